// Who leads, asked of the cluster itself through the client protocol (the same for every
// deployment): a key's partition leader, the active controller (KRaft: the quorum's status,
// run on a controller node), group and transaction coordinators, partition states per broker.
import type { Leadership, PartitionState } from "../../core/cluster.ts";
import { parseKey, type Key } from "../../core/history/op.ts";
import { KcError } from "../../core/errors.ts";
import { Admin } from "../../clients/kafkajs/admin.ts";
import { findCoordinatorAny } from "../../clients/wire/find-coordinator.ts";
import type { BrokerProduct, NodeSpec } from "../../products/product.ts";
import { isBroker, isController } from "../../products/kafka/topology.ts";

export interface LeadershipSource {
  readonly product: BrokerProduct;
  readonly nodes: readonly NodeSpec[];
  /** Addresses clients bootstrap from, in broker order. */
  readonly bootstrap: readonly string[];
  readonly admin: Admin;
  /** A controller that can answer now (not killed or paused), or undefined. */
  liveController(): NodeSpec | undefined;
  /** Runs a shell command on a node; its output. */
  shell(node: string, command: string): Promise<{ output: string }>;
}

export class ClusterLeadership implements Leadership {
  private readonly s: LeadershipSource;
  constructor(source: LeadershipSource) {
    this.s = source;
  }

  nodeOfBrokerId(id: number): string | undefined {
    return this.s.nodes.find((n) => isBroker(n) && n.id === id)?.name;
  }

  /** The broker leading a key's partition, as the cluster's metadata says now. */
  async leader(key: Key): Promise<string | undefined> {
    const { topic, partition } = parseKey(key);
    const p = await this.s.admin.partition(topic, partition);
    return p && p.leader >= 0 ? this.nodeOfBrokerId(p.leader) : undefined;
  }

  /** The active controller: a broker in ZooKeeper mode, the KRaft quorum leader otherwise. */
  async controller(): Promise<string | undefined> {
    const quorumStatus = this.s.product.quorumStatusCommand;
    if (!quorumStatus) {
      const id = await this.s.admin.controllerId();
      return id === undefined ? undefined : this.nodeOfBrokerId(id);
    }
    const from = this.s.liveController();
    if (!from) return undefined;
    const r = await this.s.shell(from.name, quorumStatus(from));
    const m = /LeaderId:\s*(\d+)/.exec(r.output);
    if (!m) return undefined;
    return this.s.nodes.find((n) => isController(n) && n.id === Number(m[1]))?.name;
  }

  /** The broker coordinating a consumer group (FindCoordinator, asked through the proxies). */
  async groupCoordinator(groupId: string): Promise<string | undefined> {
    return this.coordinatorNode(await findCoordinatorAny([...this.s.bootstrap], groupId, "group"));
  }

  /** The broker coordinating a transactional id (its transaction coordinator). */
  async transactionCoordinator(transactionalId: string): Promise<string | undefined> {
    return this.coordinatorNode(await findCoordinatorAny([...this.s.bootstrap], transactionalId, "transaction"));
  }

  /**
   * The node a FindCoordinator answer names: by broker id, or, for a product whose brokers each
   * answer as the whole cluster under one id (tansu: 111), by the address it gave, which is the
   * answering broker's own (every one of them coordinates every group).
   */
  coordinatorNode(c: { nodeId: number; host: string; port: number }): string | undefined {
    const byId = this.nodeOfBrokerId(c.nodeId);
    if (byId || !this.s.product.selfOnlyMetadata) return byId;
    const i = this.s.bootstrap.indexOf(`${c.host}:${c.port}`);
    return i < 0 ? undefined : this.s.nodes.filter(isBroker)[i]?.name;
  }

  /** Partition states of a topic as one broker sees them (see Admin.partitionsVia). */
  async partitionsVia(broker: string, topic: string): Promise<PartitionState[]> {
    const i = this.s.nodes.filter(isBroker).findIndex((n) => n.name === broker);
    if (i < 0) throw new KcError("KC_UNKNOWN_NODE", `no broker named ${broker}`);
    return Admin.partitionsVia(this.s.bootstrap[i], topic);
  }
}
