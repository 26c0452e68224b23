// Which node a FindCoordinator answer names: by broker id on Kafka; on tansu, whose brokers all
// answer as node 111, by the answering broker's own address (every tansu broker coordinates every
// group). Before, a tansu run waited the whole 30 s for coordinators it could not name.
import { describe, expect, it } from "vitest";
import { apacheKafka } from "../../products/kafka/index.ts";
import { tansu } from "../../products/tansu/index.ts";
import type { BrokerProduct } from "../../products/product.ts";
import type { Admin } from "../../clients/kafkajs/admin.ts";
import { ClusterLeadership } from "./leadership.ts";

const bootstrap = ["127.0.0.1:32001", "127.0.0.1:32002", "127.0.0.1:32003"];

function leadership(product: BrokerProduct): ClusterLeadership {
  return new ClusterLeadership({ product, nodes: product.nodes(), bootstrap, admin: {} as Admin, liveController: () => undefined, shell: async () => ({ output: "" }) });
}

describe("ClusterLeadership.coordinatorNode", () => {
  it("tansu: the broker whose address answered, since every broker reports id 111", () => {
    const l = leadership(tansu({ version: "0.6.0", brokers: 3, storage: "postgres" }));
    expect(l.coordinatorNode({ nodeId: 111, host: "127.0.0.1", port: 32002 })).toBe("broker-2");
    expect(l.coordinatorNode({ nodeId: 111, host: "127.0.0.1", port: 32003 })).toBe("broker-3");
    expect(l.coordinatorNode({ nodeId: 111, host: "10.0.0.9", port: 9092 })).toBeUndefined();
  });

  it("Kafka: by broker id only; an address never stands in for an unknown id", () => {
    const l = leadership(apacheKafka({ mode: "zookeeper", kafkaVersion: "3.9.1", brokers: 3, zookeepers: 3, controllers: 3, combined: false, brokerConfig: {}, javaOpts: "" }));
    expect(l.coordinatorNode({ nodeId: 2, host: "127.0.0.1", port: 32003 })).toBe("broker-2");
    expect(l.coordinatorNode({ nodeId: 9, host: "127.0.0.1", port: 32001 })).toBeUndefined();
  });
});
