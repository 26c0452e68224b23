import { describe, expect, it } from "vitest";
import { faultFamily, niceTicks, renderPlot } from "./plot.ts";

describe("plot", () => {
  it("picks round ticks", () => {
    expect(niceTicks(0, 60, 10)).toEqual([0, 10, 20, 30, 40, 50, 60]);
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(5, 5)).toEqual([5]);
  });

  it("colours faults by family", () => {
    expect(faultFamily("start-partition")).toBe("partition");
    expect(faultFamily("kill")).toBe("kill");
    expect(faultFamily("start")).toBe("kill");
    expect(faultFamily("start-power")).toBe("kill");
    expect(faultFamily("pause")).toBe("pause");
    expect(faultFamily("start-latency")).toBe("link");
    expect(faultFamily("start-lone-leader")).toBe("partition");
  });

  it("draws series and fault windows, says when there is no data, and thins long series", () => {
    const base = { id: "p", title: "T", yLabel: "y", xMax: 10, faults: [{ start: 2, end: 4, f: "kill" }] };
    const out = renderPlot({ ...base, series: [{ label: "a", color: "#000", kind: "line", points: [[0, 1], [5, 3], [10, 2]] }] }).html;
    expect(out).toContain('<path class="series line" d="M84 ');
    expect(out).toContain('class="fault"');
    expect(out).toContain("kill: 2.0–4.0 s");
    expect(renderPlot({ ...base, series: [], empty: "Nothing." }).html).toContain('<p class="empty">Nothing.</p>');
    const many = Array.from({ length: 100_000 }, (_, i) => [i / 10_000, i % 7] as [number, number]);
    const big = renderPlot({ ...base, yScale: "log", series: [{ label: "b", color: "#000", kind: "points", points: many }] }).html;
    expect((big.match(/h0/g) ?? []).length).toBeLessThanOrEqual(8001);
  });
});
