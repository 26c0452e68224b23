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

export type ConsumerMode = "subscribe" | "assign" | "assign,subscribe";

/** The ways a consumer mode gets its partitions: one, or both for `assign,subscribe`. */
export const consumerVias = (mode: ConsumerMode): ("assign" | "subscribe")[] => (mode === "assign,subscribe" ? ["assign", "subscribe"] : [mode]);

export interface ConsumerSettings {
  isolation: "read_committed" | "read_uncommitted";
  /**
   * `subscribe`: consumer groups with rebalances; `assign`: each process picks its keys;
   * `assign,subscribe`: each assign/subscribe op picks one of the two (Jepsen's --sub-via). A
   * client follows each op's f, so only the generator and the checker's mode read this.
   */
  mode: ConsumerMode;
  autoCommit: boolean;
  /** How long one poll op waits for records. */
  pollMs: number;
}

