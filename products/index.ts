// The broker-product registry: what runs on the nodes. Apache Kafka unless the test names another
// product (`--product tansu`). Adding one is one folder and one entry here.
import { KcError } from "../core/errors.ts";
import { apacheKafka } from "./kafka/index.ts";
import type { ClusterOptions } from "./kafka/topology.ts";
import type { BrokerProduct } from "./product.ts";
import { DEFAULT_TANSU_VERSION, tansu, TANSU_STORAGES, TANSU_VERSIONS, type TansuStorage } from "./tansu/index.ts";

/** A product other than Apache Kafka, as test.json records it (`product`). */
export interface ProductSpec {
  name: "tansu";
  version: string;
  storage: TansuStorage;
}

export const PRODUCT_NAMES = ["kafka", "tansu"] as const;

/** `kafka`, `tansu` or `tansu@0.6.0`: undefined for Apache Kafka (its version is --kafka-version). */
export function parseProductSpec(text: string, storage?: TansuStorage): ProductSpec | undefined {
  const [name, version, ...rest] = text.split("@");
  if (name === "kafka" && version === undefined) return undefined;
  if (name !== "tansu" || rest.length) {
    throw new KcError("KC_BAD_FLAG", `--product ${JSON.stringify(text)} is not a broker product this harness runs`, {
      hint: `use kafka (Apache Kafka; its release is --kafka-version) or tansu[@VERSION] (tested: ${TANSU_VERSIONS.join(", ")})`,
    });
  }
  const v = version ?? DEFAULT_TANSU_VERSION;
  if (!(TANSU_VERSIONS as readonly string[]).includes(v)) {
    throw new KcError("KC_BAD_FLAG", `tansu ${v} is not a release the harness knows how to run`, {
      hint: `use one of ${TANSU_VERSIONS.join(", ")}: each release's build features and PostgreSQL schema are checked here first`,
    });
  }
  return { name: "tansu", version: v, storage: storage ?? "postgres" };
}

export const isTansuStorage = (s: string): s is TansuStorage => (TANSU_STORAGES as readonly string[]).includes(s);

/** The product a test's nodes run. */
export function brokerProduct(options: ClusterOptions, product?: ProductSpec): BrokerProduct {
  if (!product) return apacheKafka(options);
  return tansu({ version: product.version, brokers: options.brokers, storage: product.storage });
}

export type { BrokerProduct, MetadataMode, NodeSpec, Role } from "./product.ts";
