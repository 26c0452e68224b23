// Pure grudge builders (Jepsen's partition shapes). A grudge maps each node to the nodes it
// drops traffic from; `complete` turns connected components into a grudge.
import type { Rng } from "../core/rng.ts";
import type { Grudge } from "../core/faults.ts";

/** Nodes in different components cannot talk; nodes in one component can. */
export function complete(components: string[][]): Grudge {
  const all = components.flat();
  const g: Grudge = {};
  for (const comp of components) for (const n of comp) g[n] = all.filter((m) => !comp.includes(m));
  return g;
}

/** Cut `node` off from everyone else, both ways. */
export const isolate = (node: string, all: readonly string[]): Grudge => complete([[node], all.filter((n) => n !== node)]);

/** Two random halves (the first has the floor). */
export function halves(all: readonly string[], rng: Rng): Grudge {
  const s = rng.shuffle(all);
  const k = Math.floor(s.length / 2);
  return complete([s.slice(0, k), s.slice(k)]);
}

/** A random third (at least one node) cut off from the rest. */
export function minorityThird(all: readonly string[], rng: Rng): Grudge {
  const s = rng.shuffle(all);
  const k = Math.max(1, Math.floor(s.length / 3));
  return complete([s.slice(0, k), s.slice(k)]);
}

/**
 * Every node sees a majority, but no two nodes see the same majority: nodes in a random ring,
 * each seeing its neighbours within distance d (symmetric), with 2d + 1 >= floor(n/2) + 1.
 */
export function majoritiesRing(all: readonly string[], rng: Rng): Grudge {
  const ring = rng.shuffle(all);
  const n = ring.length;
  const majority = Math.floor(n / 2) + 1;
  const d = Math.ceil((majority - 1) / 2);
  const g: Grudge = {};
  ring.forEach((node, i) => {
    const dist = (j: number) => Math.min(Math.abs(i - j), n - Math.abs(i - j));
    g[node] = ring.filter((_, j) => dist(j) > d);
  });
  return g;
}

/** Two halves that cannot see each other, and one bridge node that sees both. */
export function bridge(all: readonly string[], rng: Rng): Grudge {
  const s = rng.shuffle(all);
  const [b, ...rest] = s;
  const k = Math.floor(rest.length / 2);
  const left = rest.slice(0, k);
  const right = rest.slice(k);
  const g: Grudge = { [b]: [] };
  for (const n of left) g[n] = right;
  for (const n of right) g[n] = left;
  return g;
}

/** Group A and group B cannot talk (e.g. brokers and ZooKeeper); other links stay. */
export function between(a: readonly string[], b: readonly string[]): Grudge {
  const g: Grudge = {};
  for (const n of a) g[n] = [...b];
  for (const n of b) g[n] = [...(g[n] ?? []), ...a];
  return g;
}

/** Pairs (x, y) where x drops traffic from y: for display and tests. */
export const cuts = (g: Grudge): [string, string][] => Object.entries(g).flatMap(([x, ys]) => ys.map((y) => [x, y] as [string, string]));
