// The client registry: `--client` names map to client adapters (kafkajs, confluent, java), each
// behind the protocol of ./types.ts with its own error table (definite vs indefinite errors). Each adapter takes the
// loaded library (./library.ts), so `--client kafkajs@1.16.0` runs the same adapter on another
// release. Adding a client is one folder, one entry in CLIENT_PACKAGES and one in `clientsOf`.
import type { ConfluentSettings } from "./confluent/client.ts";
import { javaClients, type JavaLibrary } from "./java/client.ts";
import { kafkajsClients, type KafkajsModule } from "./kafkajs/client.ts";
import type { ClientLibrary } from "./library.ts";
import type { ClientName } from "./settings.ts";
import type { ClientFactory } from "./types.ts";

export const CLIENT_NAMES: readonly ClientName[] = ["kafkajs", "confluent", "java"];

/**
 * The client factory of a loaded client library. The confluent adapter (a native module) is
 * loaded on first use, so that a missing or broken native build affects only `--client confluent`.
 */
export function clientsOf(library: ClientLibrary, settings: ConfluentSettings): ClientFactory {
  if (library.name === "kafkajs") return kafkajsClients(settings, { module: library.module as KafkajsModule, version: library.version, dir: library.dir });
  if (library.name === "java") return javaClients(settings, library.module as JavaLibrary);
  let factory: Promise<ClientFactory> | undefined;
  return {
    open: async (process) => {
      factory ??= import("./confluent/client.ts").then((m) => m.confluentClients(settings, library.module as typeof import("@confluentinc/kafka-javascript")));
      return (await factory).open(process);
    },
  };
}

export { bundledLibrary, CLIENT_PACKAGES, formatClientSpec, loadClientLibrary, parseClientSpec, type ClientLibrary, type ClientSpec } from "./library.ts";
export type { Client, ClientFactory, Completion, Invocation } from "./types.ts";
export type { Acks, ClientName, ConsumerSettings, ProducerSettings } from "./settings.ts";
