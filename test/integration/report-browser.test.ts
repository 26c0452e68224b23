// The report in a real browser: headless Chromium (scripts/install-chromium.sh) opens the reports
// of the fixture runs over file://, finds the verdict, the anomaly sections and the plots, and
// sees no console error, no script error and no network request. A run full of hostile strings
// checks that nothing from the cluster or the history can run as markup.

import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { updateStoreIndex, writeRunArtifacts } from "../../report/index.ts";

const CHROMIUM = "/usr/bin/chromium";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const FIXTURES = join(import.meta.dirname, "..", "fixtures", "runs");

let browser: Browser;
let store: string;

interface Opened {
  page: Page;
  problems: string[];
  requests: string[];
}

/** Opens a file:// page, aborting and recording every request other than the page itself. */
async function open(path: string): Promise<Opened> {
  const url = pathToFileURL(path).href;
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, offline: true });
  const page = await context.newPage();
  const problems: string[] = [];
  const requests: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") problems.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("request", (r) => {
    if (r.url() !== url) requests.push(r.url());
  });
  await context.route("**/*", (route) => (route.request().url() === url ? route.continue() : route.abort()));
  await page.goto(url, { waitUntil: "load" });
  return { page, problems, requests };
}

function stage(fixture: string, name: string): string {
  const dir = join(store, "queue", name);
  cpSync(join(FIXTURES, fixture), dir, { recursive: true });
  for (const f of ["report.html", "junit.xml", "summary.md"]) rmSync(join(dir, f), { force: true });
  writeRunArtifacts(dir, { generatedAt: "2025-11-24T10:00:00Z" });
  return dir;
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/install-chromium.sh`);
  store = mkdtempSync(join(tmpdir(), "kc-report-browser-"));
  mkdirSync(join(store, "queue"), { recursive: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
});

afterAll(async () => {
  await browser?.close();
  if (store) rmSync(store, { recursive: true, force: true });
});

describe("report.html in Chromium", () => {
  it("shows an invalid run: verdict, anomalies with evidence, plots, timeline, op inspector", async () => {
    const dir = stage("invalid", "20251124T093107Z");
    const { page, problems, requests } = await open(join(dir, "report.html"));

    const verdict = page.locator("#verdict");
    await expect.poll(() => verdict.getAttribute("data-verdict")).toBe("invalid");
    expect(await verdict.locator(".word").textContent()).toBe("INVALID");
    expect(await verdict.textContent()).toContain("lost-write ×3");
    expect(await verdict.textContent()).toContain("duplicate ×4");

    for (const type of ["lost-write", "duplicate"]) {
      const section = page.locator(`section.anomaly[data-type="${type}"]`);
      expect(await section.isVisible()).toBe(true);
      expect(await section.getAttribute("class")).toContain("bad");
      expect(await section.locator(".example").count()).toBeGreaterThan(0);
      expect(await section.locator(".offset-diagram svg").first().isVisible()).toBe(true);
      expect(await section.locator(".offset-diagram .cell.bad").count()).toBeGreaterThan(0);
      expect(await section.locator("table.ops tbody tr").count()).toBeGreaterThan(1);
    }
    expect(await page.locator('section.anomaly.info[data-type="nonmonotonic-poll"]').count()).toBe(1);

    for (const plot of ["latency", "throughput", "lag", "unseen", "timeline"]) {
      const svg = page.locator(`figure[data-plot="${plot}"] svg`);
      expect(await svg.isVisible(), plot).toBe(true);
      const box = await svg.boundingBox();
      expect(box!.width).toBeGreaterThan(600);
    }
    expect(await page.locator('figure[data-plot="latency"] rect.fault').count()).toBeGreaterThan(0);
    expect(await page.locator('figure[data-plot="timeline"] rect.state').count()).toBeGreaterThanOrEqual(4);

    // The op inspector shows an op of the history from the embedded data.
    const link = page.locator('section.anomaly[data-type="lost-write"] a.op-link').first();
    const index = await link.getAttribute("data-op");
    await link.click();
    const dialog = page.locator("dialog#op-dialog");
    expect(await dialog.isVisible()).toBe(true);
    expect(await dialog.locator(".op-json").textContent()).toContain(`"index": ${index}`);
    await dialog.locator("button.close").click();
    expect(await dialog.isVisible()).toBe(false);

    // Links to the stored files and node logs resolve to files in the run directory.
    const hrefs = await page.locator("#files a").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
    expect(hrefs).toEqual(expect.arrayContaining(["history.jsonl", "results.json", "nodes/broker-1/container.log"]));
    for (const href of hrefs) expect(existsSync(join(dir, href!)), href!).toBe(true);

    await page.screenshot({ path: "/tmp/report.png", fullPage: true });
    expect(problems).toEqual([]);
    expect(requests).toEqual([]);
  });

  it("shows a valid run", async () => {
    const dir = stage("valid", "20251124T091244Z");
    const { page, problems, requests } = await open(join(dir, "report.html"));
    expect(await page.locator("#verdict").getAttribute("data-verdict")).toBe("valid");
    expect(await page.locator("#verdict .word").textContent()).toBe("VALID");
    expect(await page.locator("section.anomaly").count()).toBe(0);
    expect(await page.locator("#anomalies").textContent()).toContain("No anomalies were found.");
    for (const plot of ["latency", "throughput", "lag", "unseen", "timeline"]) expect(await page.locator(`figure[data-plot="${plot}"] svg`).isVisible(), plot).toBe(true);
    expect(problems).toEqual([]);
    expect(requests).toEqual([]);
  });

  it("lists the runs in the store index, newest first", async () => {
    const index = updateStoreIndex(store, { generatedAt: "2025-11-24T10:00:00Z" });
    const { page, problems, requests } = await open(index);
    const verdicts = await page.locator("tbody tr").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-verdict")));
    expect(verdicts).toEqual(["invalid", "valid"]);
    const hrefs = await page.locator("tbody tr a", { hasText: "report" }).evaluateAll((as) => as.map((a) => a.getAttribute("href")));
    expect(hrefs).toEqual(["queue/20251124T093107Z/report.html", "queue/20251124T091244Z/report.html"]);
    for (const href of hrefs) expect(existsSync(join(store, href!)), href!).toBe(true);
    expect(problems).toEqual([]);
    expect(requests).toEqual([]);
  });

  it("never runs markup that comes from the cluster or the history", async () => {
    const dir = join(store, "hostile", "20251124T120000Z");
    cpSync(join(FIXTURES, "invalid"), dir, { recursive: true });
    const evil = `<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">`;
    const test = JSON.parse(readFileSync(join(dir, "test.json"), "utf8"));
    writeFileSync(join(dir, "test.json"), JSON.stringify({ ...test, name: `hostile ${evil}`, command: `npm run chaos -- --name '${evil}'`, producer: { [evil]: evil } }));
    const results = JSON.parse(readFileSync(join(dir, "results.json"), "utf8"));
    results.anomalies["lost-write"][0].explanation = `lost ${evil}`;
    results["bad-anomaly-types"].push(`x${evil}`);
    results.counts[`x${evil}`] = 1;
    results.anomalies[`x${evil}`] = [{ type: `x${evil}`, key: `t0/1${evil}`, ops: [1], explanation: evil, [evil]: evil }];
    writeFileSync(join(dir, "results.json"), JSON.stringify(results));
    const history = readFileSync(join(dir, "history.jsonl"), "utf8").trimEnd().split("\n").map((l) => JSON.parse(l));
    history[1].error = evil;
    history[1].value = [["poll", { [`t0/1${evil}`]: [[0, 1]] }]];
    history.push({ index: history.length, time: history[history.length - 1].time + 1, process: "nemesis", type: "info", f: `kill${evil}`, value: { [evil]: evil } });
    writeFileSync(join(dir, "history.jsonl"), history.map((o) => JSON.stringify(o)).join("\n") + "\n");
    mkdirSync(join(dir, "nodes", evil.replace(/\//g, "_")), { recursive: true });
    writeRunArtifacts(dir);

    const { page, problems, requests } = await open(join(dir, "report.html"));
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator("h1").textContent()).toBe(`hostile ${evil}`);
    expect(await page.locator("#test pre.command").textContent()).toContain(evil);
    expect(await page.locator("section.anomaly img, #test img, #faults img").count()).toBe(0);
    expect(await page.locator('section.anomaly[data-type="lost-write"] .explanation').first().textContent()).toContain(evil);
    expect(problems).toEqual([]);
    expect(requests).toEqual([]);
  });
});
