// Where built and downloaded things are kept between runs: images' build contexts, Kafka jars,
// client library versions. $KC_CACHE, default ~/.cache/kafka-chaos.
import os from "node:os";
import path from "node:path";

export const cacheDir = (): string => process.env.KC_CACHE ?? path.join(os.homedir(), ".cache", "kafka-chaos");
