// Named presets (`--preset NAME`): flag lists applied before the user's own flags, so a preset
// is exactly what you could type yourself (and `--help` shows it). Why each one fails is in
// the README ("Presets").

export interface Preset {
  description: string;
  /** Does a correct Kafka fail this test? Known-bug presets should find anomalies; safe ones none. */
  expect: "anomalies" | "valid";
  flags: string[];
}

export const PRESETS: Record<string, Preset> = {
  "acks1-lost-writes": {
    description: "acks=1: the leader acknowledges before replicating; isolating or killing it loses acknowledged writes",
    expect: "anomalies",
    flags: ["--acks", "1", "--no-idempotent", "--retries", "0", "--nemesis", "partition,kill", "--nemesis-targets", "leader", "--nemesis-interval", "8", "--time-limit", "60", "--rate", "200", "--concurrency", "6"],
  },
  "unclean-election": {
    description: "unclean.leader.election.enable=true with min.insync.replicas=1: lone-leader lets a leader acknowledge alone, then kills it; a stale replica becomes leader and truncates acknowledged writes",
    expect: "anomalies",
    flags: [
      // Broker and topic level alike: in KRaft mode the controllers, which elect leaders, do
      // not get --broker-config, but they honour the topic's own setting.
      "--broker-config", "unclean.leader.election.enable=true",
      "--topic-config", "unclean.leader.election.enable=true",
      "--broker-config", "min.insync.replicas=1",
      "--broker-config", "replica.lag.time.max.ms=3000",
      "--acks", "all", "--no-idempotent", "--retries", "0", "--request-timeout", "1000",
      "--nemesis", "lone-leader", "--nemesis-interval", "8",
      "--time-limit", "60", "--rate", "200", "--concurrency", "10",
    ],
  },
  "retry-duplicates": {
    description: "a non-idempotent producer retries sends whose acknowledgement the network held back past its request timeout (every broker's answers held, requests landing): one value lands twice",
    expect: "anomalies",
    flags: ["--no-idempotent", "--retries", "10", "--max-in-flight", "1", "--request-timeout", "1500", "--nemesis", "link", "--nemesis-targets", "lose-acks", "--nemesis-interval", "6", "--time-limit", "60", "--rate", "200", "--concurrency", "6"],
  },
  "aborted-reads": {
    description: "a read_uncommitted consumer sees values of transactions that were aborted (G1a)",
    expect: "anomalies",
    flags: ["--workload", "txn", "--isolation", "read_uncommitted", "--idempotent", "--time-limit", "45", "--rate", "50"],
  },
  "power-loss": {
    description: "Kafka's default flush (no fsync before acknowledging): every broker's power cut at once loses acknowledged acks=all writes that no replica had fsynced (every node on kc-lazyfs)",
    expect: "anomalies",
    flags: ["--acks", "all", "--idempotent", "--nemesis", "power", "--nemesis-targets", "all", "--quiet-time", "10", "--nemesis-interval", "12", "--time-limit", "40", "--recovery-time", "5"],
  },
  "power-loss-flushed": {
    description: "the power-loss schedule with log.flush.interval.messages=1 (an fsync before every acknowledgement): must stay valid",
    expect: "valid",
    flags: ["--acks", "all", "--idempotent", "--broker-config", "log.flush.interval.messages=1", "--nemesis", "power", "--nemesis-targets", "all", "--quiet-time", "10", "--nemesis-interval", "12", "--time-limit", "40", "--recovery-time", "5"],
  },
  operations: {
    description:
      "the safe configuration on 4 brokers under a living cluster's operations and faults together: reassignments (throttled, cancelled), rolling restarts, bounces of leaders and the controller, kills and partitions (coordinator targets among them), faults on the links between nodes (followers' fetches, ZooKeeper), a random subset at a time with 10 fault-free seconds between: must stay valid",
    expect: "valid",
    flags: [
      "--acks", "all", "--idempotent", "--replication-factor", "3", "--brokers", "4",
      "--broker-config", "min.insync.replicas=2", "--broker-config", "unclean.leader.election.enable=false",
      // Faults first: the final heal stops families in this order, so the cluster is whole again
      // before the stop of a reassignment verifies what is left.
      "--nemesis", "kill,partition,peer-link,reassign,rolling-restart,bounce", "--stable-time", "10", "--nemesis-interval", "20", "--quiet-time", "10", "--time-limit", "120", "--rate", "100",
    ],
  },
  safe: {
    description: "acks=all, min.insync.replicas=2, replication factor 3, idempotent producer, no unclean election: must stay valid under partitions, kills and pauses",
    expect: "valid",
    flags: [
      "--acks", "all", "--idempotent", "--replication-factor", "3",
      "--broker-config", "min.insync.replicas=2", "--broker-config", "unclean.leader.election.enable=false",
      "--nemesis", "partition,kill,pause", "--nemesis-interval", "10", "--time-limit", "60", "--rate", "100",
    ],
  },
};
