// Client settings shared by every client adapter: what the test description (harness/config.ts)
// says about producers and consumers, in the vocabulary of the Kafka client configs.
export type Acks = "all" | "1" | "0";
export type ClientName = "kafkajs" | "confluent" | "java";

export interface ProducerSettings {
  acks: Acks;
  idempotent: boolean;
  retries: number;
  maxInFlight: number;
  requestTimeoutMs: number;
}

export interface ConsumerSettings {
  isolation: "read_committed" | "read_uncommitted";
  /** `subscribe`: consumer groups with rebalances; `assign`: each process picks its keys. */
  mode: "subscribe" | "assign";
  autoCommit: boolean;
  /** How long one poll op waits for records. */
  pollMs: number;
}

