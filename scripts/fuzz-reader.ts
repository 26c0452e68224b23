// `npm run fuzz:reader [-- --inputs N] [--seed S]`: a long differential fuzz run of the history
// reader's fast scanner against JSON.parse + validation (core/history/fuzz.ts).
// Prints what was tried and what was found; exits 1 on any disagreement.

import { fuzzLines } from "../core/history/fuzz.ts";

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 0) {
    console.error(`--${name} takes a non-negative integer, got ${JSON.stringify(process.argv[i + 1])}`);
    process.exit(2);
  }
  return v;
}

const inputs = arg("inputs", 1_000_000);
const seed = arg("seed", Date.now() % 1e9);
const chunk = 100_000;
let total = { inputs: 0, fast: 0, fellBack: 0, rejected: 0, slowestMs: 0, seconds: 0 };
const sources: Record<string, number> = {};
console.log(`fuzzing the history scanner: ${inputs.toLocaleString("en-US")} inputs from seed ${seed}`);
for (let done = 0, round = 0; done < inputs; done += chunk, round++) {
  const r = fuzzLines({ seed: seed + round, inputs: Math.min(chunk, inputs - done) });
  total = { inputs: total.inputs + r.inputs, fast: total.fast + r.fast, fellBack: total.fellBack + r.fellBack, rejected: total.rejected + r.rejected, slowestMs: Math.max(total.slowestMs, r.slowestMs), seconds: total.seconds + r.seconds };
  for (const [k, n] of Object.entries(r.sources)) sources[k] = (sources[k] ?? 0) + n;
  if (r.findings.length > 0) {
    console.log(`\n${r.findings.length} disagreement(s) in round ${round} (seed ${seed + round}); reproduce with fuzzLines({ seed: ${seed + round}, inputs: ${chunk} })`);
    for (const f of r.findings.slice(0, 5)) console.log(`\ninput ${f.input} (${f.source})\n  line:   ${f.line.slice(0, 400)}\n  fast:   ${f.fast.slice(0, 400)}\n  oracle: ${f.oracle.slice(0, 400)}`);
    process.exit(1);
  }
  process.stdout.write(`  ${total.inputs.toLocaleString("en-US")} inputs, no disagreement (${total.seconds.toFixed(0)} s)\n`);
}
const pct = (n: number) => `${((100 * n) / total.inputs).toFixed(1)}%`;
console.log(`\n${total.inputs.toLocaleString("en-US")} inputs in ${total.seconds.toFixed(1)} s: no disagreement, no crash.`);
console.log(`  taken by the fast scanner ${pct(total.fast)}, declined and read by JSON.parse ${pct(total.fellBack)}, rejected by both with the same error ${pct(total.rejected)}`);
console.log(`  slowest single input ${total.slowestMs.toFixed(1)} ms`);
console.log(`  by source: ${Object.entries(sources).sort().map(([k, n]) => `${k} ${n}`).join(", ")}`);
