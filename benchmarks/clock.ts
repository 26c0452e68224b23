// `npm run bench:clock [-- --rounds N] [-- --mode zookeeper|kraft]`: what the clock layer costs.
// The same Docker cluster with every node's processes reading the real clock and reading it
// through kc-clock (LD_PRELOAD, at zero offset), alternating in one run
// (benchmarks/layer-cost.ts); clock / plain as ratios. The goal is a ratio within 1.2.
import { quietNegativeTimeoutWarnings } from "../core/warnings.ts";
quietNegativeTimeoutWarnings();
import { compareLayer } from "./layer-cost.ts";

await compareLayer("clock", (b) => b.withClockLayer());
