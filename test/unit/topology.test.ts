import { describe, expect, it } from "vitest";
import { newClusterId, nodeFiles, nodesOf, serverProperties, zooCfg, type ClusterOptions } from "../../products/kafka/topology.ts";
import { iptablesScript } from "../../deployments/docker/netfilter.ts";

const base: ClusterOptions = { mode: "zookeeper", kafkaVersion: "3.9.1", brokers: 3, zookeepers: 3, controllers: 3, combined: false, brokerConfig: {}, javaOpts: "-Xmx256m" };
const props = (text: string) => Object.fromEntries(text.trim().split("\n").map((l) => l.split(/=(.*)/s, 2)));

describe("topology", () => {
  it("ZooKeeper mode: an ensemble and brokers advertising their proxy on 127.0.0.1", () => {
    expect(nodesOf(base).map((n) => n.name)).toEqual(["zk-1", "zk-2", "zk-3", "broker-1", "broker-2", "broker-3"]);
    const b2 = nodesOf(base).find((n) => n.name === "broker-2")!;
    const p = props(serverProperties(base, b2, 40002));
    expect(p["broker.id"]).toBe("2");
    expect(p["advertised.listeners"]).toBe("CLIENT://127.0.0.1:40002,INTERNAL://broker-2:9091");
    expect(p["inter.broker.listener.name"]).toBe("INTERNAL");
    expect(p["zookeeper.connect"]).toBe("zk-1:2181,zk-2:2181,zk-3:2181");
    expect(zooCfg(base)).toContain("server.3=zk-3:2888:3888");
  });

  it("KRaft: dedicated controllers in the voters, or combined nodes", () => {
    const k = { ...base, mode: "kraft" as const, kafkaVersion: "4.1.1" };
    const nodes = nodesOf(k);
    expect(nodes.map((n) => `${n.name}:${n.id}`)).toEqual(["controller-1:101", "controller-2:102", "controller-3:103", "broker-1:1", "broker-2:2", "broker-3:3"]);
    const c = props(serverProperties(k, nodes[0], undefined));
    expect(c["process.roles"]).toBe("controller");
    expect(c["controller.quorum.voters"]).toBe("101@controller-1:9093,102@controller-2:9093,103@controller-3:9093");
    expect(c["advertised.listeners"]).toBeUndefined();
    const combined = nodesOf({ ...k, combined: true });
    expect(combined.map((n) => n.roles.join("+"))).toEqual(["broker+controller", "broker+controller", "broker+controller"]);
    expect(nodeFiles(k, nodes[3], "abc", 40001)["prestart.sh"]).toContain("StorageTool format -t abc");
    expect(nodeFiles(k, nodes[3], "abc", 40001)).toHaveProperty("log4j2.properties");
  });

  it("--broker-config overrides defaults on brokers only", () => {
    const o = { ...base, brokerConfig: { "min.insync.replicas": "1", "unclean.leader.election.enable": "true" } };
    const p = props(serverProperties(o, nodesOf(o)[3], 1));
    expect(p["min.insync.replicas"]).toBe("1");
    expect(p["unclean.leader.election.enable"]).toBe("true");
  });

  it("makes KRaft cluster ids Kafka accepts (22 base64url chars, never a leading -)", () => {
    expect(newClusterId()).toMatch(/^[A-Za-z0-9_-]{22}$/);
    // A random source whose first draw makes a leading "-" (0xf8 >> 2 = 62): it is redrawn.
    let calls = 0;
    const id = newClusterId(() => (calls++ === 0 ? 0xf8 / 256 : 0.5));
    expect(calls).toBeGreaterThan(16);
    expect(id.startsWith("-")).toBe(false);
  });

  it("turns a drop list into iptables rules that replace the old ones", () => {
    expect(iptablesScript([])).toBe("iptables -w -F INPUT");
    expect(iptablesScript(["10.0.0.2"])).toBe("iptables -w -F INPUT && iptables -w -A INPUT -s 10.0.0.2 -j DROP");
    expect(iptablesScript(["10.0.0.2:9091"])).toBe("iptables -w -F INPUT && iptables -w -A INPUT -s 10.0.0.2 -p tcp --dport 9091 -j DROP");
  });
});
