import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkedTypes, mdCode, mdText, renderJUnit, renderMarkdownSummary } from "./ci.ts";
import { readResults } from "./model.ts";

const FIXTURES = join(import.meta.dirname, "..", "test", "fixtures", "runs");
const json = (run: string, file: string) => JSON.parse(readFileSync(join(FIXTURES, run, file), "utf8"));

const attr = (xml: string, el: string, name: string) => new RegExp(`<${el}\\b[^>]*\\b${name}="([^"]*)"`).exec(xml)?.[1];

describe("renderJUnit", () => {
  it("has one testcase per anomaly type checked, failures for the types that count", () => {
    const xml = renderJUnit({ test: json("invalid", "test.json"), results: json("invalid", "results.json") });
    const r = readResults(json("invalid", "results.json"));
    const cases = xml.match(/<testcase\b/g)!.length;
    expect(cases).toBe(checkedTypes(r).length + 1); // + the verdict
    expect(attr(xml, "testsuite", "tests")).toBe(String(cases));
    expect(attr(xml, "testsuite", "failures")).toBe(String(r["bad-anomaly-types"].length));
    expect(attr(xml, "testsuite", "errors")).toBe("0");
    expect(xml).toMatch(/name="lost-write" time="0">\s*<failure message="3 lost-write anomalies/);
    expect(xml).toMatch(/name="duplicate" time="0">\s*<failure message="4 duplicate anomalies/);
    expect(xml).toMatch(/name="nonmonotonic-poll" time="0">\s*<system-out>1 found; informational/);
    expect(xml).toMatch(/name="inconsistent-offsets" time="0"><\/testcase>/);
    expect(xml).toMatch(/name="G1c" time="0"><\/testcase>/);
  });

  it("passes a valid run and reports an error when the verdict is unknown", () => {
    const valid = renderJUnit({ test: json("valid", "test.json"), results: json("valid", "results.json") });
    expect(attr(valid, "testsuites", "failures")).toBe("0");
    expect(attr(valid, "testsuites", "errors")).toBe("0");
    const unknown = renderJUnit({ test: {}, results: { valid: "unknown", "unknown-reasons": ["too few ok ops", "no reads"] } });
    expect(attr(unknown, "testsuites", "errors")).toBe("1");
    expect(unknown).toMatch(/name="verdict" time="0.000">\s*<error message="verdict unknown: too few ok ops; no reads" type="unknown">/);
  });

  it("escapes everything it quotes", () => {
    const evil = `"><x a='1'>&\u0001`;
    const xml = renderJUnit({
      test: { name: evil, command: evil },
      results: { valid: false, "bad-anomaly-types": [evil], counts: { [evil]: 1 }, anomalies: { [evil]: [{ ops: [1], explanation: evil }] } },
    });
    expect(xml).not.toContain(evil);
    expect(xml).not.toContain("\u0001");
    expect(xml).toContain("&quot;&gt;&lt;x a=&#39;1&#39;&gt;&amp;\uFFFD");
  });
});

describe("renderMarkdownSummary", () => {
  it("summarises the verdict, the test and the anomalies", () => {
    const md = renderMarkdownSummary({ test: json("invalid", "test.json"), results: json("invalid", "results.json") });
    expect(md).toMatch(/^## ❌ kafka-chaos: INVALID · queue-subscribe-unclean/);
    expect(md).toContain("**Anomalies that count:** `lost-write` ×3, `unseen` ×3, `duplicate` ×4.");
    expect(md).toContain("| Seed | `1234` |");
    expect(md).toContain("| Kafka | 3.9.0 (KRaft) |");
    expect(md).toMatch(/\| `lost-write` \| yes \| 3 \| t0\/1: value 58 at offset 47/);
    expect(md).toMatch(/\| `nonmonotonic-poll` \| no \| 1 \|/);
    expect(md).toContain("[report.html](report.html)");
    const valid = renderMarkdownSummary({ test: json("valid", "test.json"), results: json("valid", "results.json") });
    expect(valid).toMatch(/^## ✅ kafka-chaos: VALID/);
    const unknown = renderMarkdownSummary({ test: {}, results: { "unknown-reasons": ["no reads"] } });
    expect(unknown).toMatch(/^## ⚠️ kafka-chaos: UNKNOWN/);
    expect(unknown).toContain("- no reads");
  });

  it("keeps table cells and HTML intact", () => {
    expect(mdText("a|b <script>\nc*d")).toBe("a\\|b &lt;script&gt; c\\*d");
    expect(mdCode("x|y")).toBe("`x\\|y`");
    expect(mdCode("a`b")).toBe("`` a`b ``");
  });
});
