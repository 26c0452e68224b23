// The native library (@confluentinc/kafka-javascript: librdkafka behind Node bindings). Loaded
// only by the confluent adapter, so that a missing or broken native build affects
// `--client confluent` alone.
import rdkafka from "@confluentinc/kafka-javascript";
import { registerCodeNames } from "./errors.ts";

registerCodeNames(rdkafka.CODES.ERRORS as unknown as Record<string, number>);

export { rdkafka };
