// Cluster operations an operator runs with Kafka's own tools, in a broker, for every deployment
// that can run a command in a node (Docker's exec, the Kubernetes API's exec): preferred-leader
// elections (./elections.ts) and partition reassignment (./reassignments.ts), the brokers a
// replica can move to now, and what the leak check asks once a reassignment was started (moves
// in progress, replication throttles left).
import type { ElectionResult, NodeSpec, PartitionMove, ReassignmentAnswer, ReassignmentInProgress } from "../../core/cluster.ts";
import { KcError } from "../../core/errors.ts";
import type { Admin } from "../../clients/kafkajs/admin.ts";
import { isBroker, PORTS } from "../../products/kafka/topology.ts";
import { parseElection, preferredElectionCommand } from "./elections.ts";
import { parseReassignment, reassignmentCommand, type ReassignAction } from "./reassignments.ts";

export interface OperationsDeps {
  nodes: () => readonly NodeSpec[];
  admin: () => Admin;
  /** Whether a node runs and answers now: not held down, paused or in a clean restart. */
  usable(node: string): boolean;
  shell(node: string, command: string): Promise<{ output: string }>;
  nodeOfBrokerId(id: number): string | undefined;
}

export class ClusterOperations {
  /** Set once a reassignment was started: the leak check then asks for moves and throttles left. */
  private reassigned = false;
  private readonly d: OperationsDeps;

  constructor(deps: OperationsDeps) {
    this.d = deps;
  }

  /** A broker that is up to run a tool in, and every broker's INTERNAL listener to bootstrap from. */
  private toolBroker(what: string): { via: string; bootstrap: string } {
    const via = this.d.nodes().find((n) => isBroker(n) && this.d.usable(n.name))?.name;
    if (!via) throw new KcError("KC_NEMESIS_NO_TARGET", `no broker is up to run ${what} in`);
    return { via, bootstrap: this.d.nodes().filter(isBroker).map((b) => `${b.name}:${PORTS.internal}`).join(",") };
  }

  async electPreferred(partitions?: { topic: string; partition: number }[]): Promise<ElectionResult> {
    const { via, bootstrap } = this.toolBroker("a preferred-leader election");
    return parseElection(via, (await this.d.shell(via, preferredElectionCommand(bootstrap, partitions))).output);
  }

  private async reassignment(action: ReassignAction, moves: PartitionMove[], throttleBytes?: number): Promise<ReassignmentAnswer> {
    const { via, bootstrap } = this.toolBroker(`a reassignment --${action}`);
    if (action === "execute") this.reassigned = true;
    return parseReassignment(via, action, (await this.d.shell(via, reassignmentCommand(bootstrap, action, moves, throttleBytes))).output);
  }
  reassign(moves: PartitionMove[], throttleBytes?: number): Promise<ReassignmentAnswer> {
    return this.reassignment("execute", moves, throttleBytes);
  }
  verifyReassignment(moves: PartitionMove[]): Promise<ReassignmentAnswer> {
    return this.reassignment("verify", moves);
  }
  cancelReassignment(moves: PartitionMove[]): Promise<ReassignmentAnswer> {
    return this.reassignment("cancel", moves);
  }
  reassignments(): Promise<ReassignmentInProgress[]> {
    return this.d.admin().reassignments();
  }
  async liveBrokerIds(): Promise<number[]> {
    const registered = new Set(await this.d.admin().brokerIds());
    return this.d.nodes().filter((b) => isBroker(b) && registered.has(b.id) && this.d.usable(b.name)).map((b) => b.id);
  }

  /**
   * Moves still in progress, and replication throttles left on brokers: asked only once a
   * reassignment was started (older releases lack ListPartitionReassignments).
   */
  async leaks(): Promise<string[]> {
    if (!this.reassigned) return [];
    const found: string[] = [];
    for (const r of await this.d.admin().reassignments()) found.push(`partition ${r.partition} is still being reassigned (adding ${r.adding.join(",") || "none"}, removing ${r.removing.join(",") || "none"})`);
    // Asked of the brokers registered now: a broker that is down (killed, decommissioned) cannot answer.
    const registered = new Set(await this.d.admin().brokerIds());
    const throttles = await this.d.admin().replicationThrottles(this.d.nodes().filter((b) => isBroker(b) && registered.has(b.id)).map((b) => b.id));
    for (const [id, rates] of Object.entries(throttles)) found.push(`${this.d.nodeOfBrokerId(Number(id)) ?? `broker ${id}`} has a replication throttle (${Object.entries(rates).map(([k, v]) => `${k}=${v}`).join(", ")})`);
    return found;
  }
}
