// Link faults between nodes, not between clients and brokers: a toxic (latency with jitter,
// bandwidth limit, black hole, reset_peer, slicer, slow_close) or the link taken down, on
// - follower: one follower's fetches from the leader of a key in use (broker-2 → broker-1);
// - leader: every follower's fetches from that leader, so the whole ISR lags behind it;
// - quorum: one broker's connections to every ZooKeeper node or KRaft controller.
// The scope is drawn at random; toxics go on both directions of each link, or on the answers
// only, or the requests only (one way). Each link is routed through a Toxiproxy proxy of its own
// while the fault lasts (the deployment's PeerLinkControl); stop makes every link direct again.
import type { PeerLink, PeerLinkControl, Leadership } from "../core/cluster.ts";
import { KcError } from "../core/errors.ts";
import { parseKey } from "../core/history/op.ts";
import type { Rng } from "../core/rng.ts";
import { LINK_FAULTS } from "./link.ts";
import { leaderOfRandomKey, topicStates } from "./targets.ts";
import type { FaultFamily, NemesisEnv } from "./types.ts";

export const PEER_LINK_TARGETS = ["latency", "bandwidth", "timeout", "reset_peer", "slicer", "slow_close", "down"] as const;
export const PEER_LINK_SCOPES = ["follower", "leader", "quorum"] as const;

type Env = NemesisEnv<PeerLinkControl & Leadership>;

/** The links of a scope, and what they are in words. */
async function linksFor(env: Env, scope: (typeof PEER_LINK_SCOPES)[number], rng: Rng): Promise<{ links: PeerLink[]; why: string }> {
  const all = env.cluster.peerLinks.list();
  if (scope === "quorum") {
    const from = rng.pick([...new Set(all.filter((l) => l.kind === "quorum").map((l) => l.from))].filter((n) => env.cluster.nodes.find((x) => x.name === n)?.roles.includes("broker")));
    return { links: all.filter((l) => l.kind === "quorum" && l.from === from), why: `${from}'s links to ${env.mode === "zookeeper" ? "ZooKeeper" : "the KRaft controllers"}` };
  }
  const { key, node: leader } = await leaderOfRandomKey(env, rng);
  // The key's followers: its replicas other than the leader, as the leader's metadata has them.
  const { topic, partition } = parseKey(key);
  const state = (await topicStates(env, topic)).find((p) => p.partition === partition);
  const followers = state ? state.replicas.map((id) => env.cluster.nodeOfBrokerId(id)).filter((n): n is string => n !== undefined && n !== leader) : [];
  const toLeader = all.filter((l) => l.kind === "replication" && l.to === leader && (!followers.length || followers.includes(l.from)));
  if (!toLeader.length) throw new KcError("KC_NEMESIS_NO_TARGET", `${key}'s leader ${leader} has no follower link to fault`);
  if (scope === "leader") return { links: toLeader, why: `every follower's fetches from ${leader}, leader of ${key}` };
  const one = rng.pick(toLeader);
  return { links: [one], why: `${one.from}'s fetches from ${leader}, leader of ${key}` };
}

export function peerLinkFamily(): FaultFamily<PeerLinkControl & Leadership> {
  let inForce = false;
  return {
    name: "peer-link",
    targets: PEER_LINK_TARGETS,
    needs: ["peer-links", "leadership"],
    startF: "start-peer-link",
    stopF: "stop-peer-link",
    active: () => inForce,
    async start(env, target, rng) {
      const scope = rng.pick(PEER_LINK_SCOPES);
      const { links, why } = await linksFor(env, scope, rng);
      const direction = rng.pick(["both", "responses", "requests"] as const);
      const streams = { both: ["downstream", "upstream"], responses: ["downstream"], requests: ["upstream"] }[direction] as ("downstream" | "upstream")[];
      inForce = true;
      for (const l of links) {
        if (target === "down") await env.cluster.peerLinks.setEnabled(l.from, l.to, false);
        else {
          const fault = LINK_FAULTS[target as keyof typeof LINK_FAULTS];
          if (!fault) throw new Error(`unknown peer-link fault ${target}`);
          for (const stream of streams) await env.cluster.peerLinks.addToxic(l.from, l.to, { ...fault, stream });
        }
      }
      const names = links.map((l) => `${l.from}→${l.to}`);
      const nodes = [...new Set(links.flatMap((l) => [l.from, l.to]))].sort();
      if (target === "down") return { target, scope, what: `${why}: link${links.length > 1 ? "s" : ""} down`, links: names, nodes };
      return { target, scope, what: `${target} toxic on ${why}${direction === "both" ? "" : ` (${direction} only)`}`, links: names, nodes, direction, attributes: LINK_FAULTS[target as keyof typeof LINK_FAULTS].attributes };
    },
    async stop(env) {
      await env.cluster.peerLinks.reset();
      inForce = false;
      return { what: "every link between nodes direct again, no toxic" };
    },
  };
}
