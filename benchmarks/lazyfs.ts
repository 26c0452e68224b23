// `npm run bench:lazyfs [-- --rounds N] [-- --mode zookeeper|kraft]`: what the power-loss layer
// costs. The same Docker cluster with every node's data dir on the container's filesystem and on
// kc-lazyfs, alternating in one run (benchmarks/layer-cost.ts); lazyfs / plain as ratios.
import { quietNegativeTimeoutWarnings } from "../core/warnings.ts";
quietNegativeTimeoutWarnings();
import { compareLayer } from "./layer-cost.ts";

await compareLayer("lazyfs", (b) => b.withLazyfs());
