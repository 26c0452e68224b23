// The client registry: `--client` names map to client adapters, each behind the protocol of
// ./types.ts with its own error table (definite vs indefinite errors). Adding a client is one
// folder and one entry in \`clientsOf\`.
import { KcError } from "../core/errors.ts";
import type { ConfluentSettings } from "./confluent/client.ts";
import { kafkajsClients } from "./kafkajs/client.ts";
import type { ClientName } from "./settings.ts";
import type { ClientFactory } from "./types.ts";

export const CLIENT_NAMES: readonly ClientName[] = ["kafkajs", "confluent"];

/**
 * Fails fast, before a cluster is started, when the chosen client library cannot be loaded
 * (`@confluentinc/kafka-javascript` is an optional dependency with a native build).
 */
export async function assertClientAvailable(client: ClientName): Promise<void> {
  if (client === "kafkajs") return;
  try {
    await import("./confluent/native.ts");
  } catch (err) {
    throw new KcError("KC_CLIENT_MISSING", `--client confluent needs @confluentinc/kafka-javascript, which is not installed or does not load (${(err as Error).message.split("\n")[0]})`, {
      hint: "install Debian's zlib1g-dev libssl-dev libzstd-dev liblz4-dev libsasl2-dev libcurl4-openssl-dev, then `CKJS_LINKING=dynamic npm ci` (as .ci/run does), or use --client kafkajs",
      cause: err,
    });
  }
}

/**
 * The client factory of a Kafka client library. The confluent adapter (a native module) is loaded
 * on first use, so that a missing or broken native build affects only `--client confluent`.
 */
export function clientsOf(client: ClientName, settings: ConfluentSettings): ClientFactory {
  if (client === "kafkajs") return kafkajsClients(settings);
  let factory: Promise<ClientFactory> | undefined;
  return {
    open: async (process) => {
      factory ??= import("./confluent/client.ts").then((m) => m.confluentClients(settings));
      return (await factory).open(process);
    },
  };
}

export type { Client, ClientFactory, Completion, Invocation } from "./types.ts";
export type { Acks, ClientName, ConsumerSettings, ProducerSettings } from "./settings.ts";
