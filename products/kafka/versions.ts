// The Apache Kafka versions the harness builds images for and has tested, and the default.
export const KAFKA_VERSIONS = ["3.9.1", "4.1.1"] as const;
export const DEFAULT_KAFKA_VERSION = "3.9.1";
