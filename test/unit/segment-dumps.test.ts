// Which partitions an INVALID run dumps.
import { describe, expect, it } from "vitest";
import type { Results } from "../../checkers/results.ts";
import { anomalousKeys } from "../../harness/segment-dumps.ts";

describe("segment dumps", () => {
  it("names the keys of the anomalies that count, first seen first, without repeats, at most 8", () => {
    const r = {
      valid: false,
      "bad-anomaly-types": ["lost-write", "duplicate"],
      anomalies: {
        "lost-write": [{ key: "t1/0" }, { key: "t2/1" }, { key: "t1/0" }],
        duplicate: [{ key: "t3/0" }, {}],
        "poll-skip": [{ key: "t9/0" }],
      },
    } as unknown as Results;
    expect(anomalousKeys(r)).toEqual(["t1/0", "t2/1", "t3/0"]);
    expect(anomalousKeys(r, 2)).toEqual(["t1/0", "t2/1"]);
  });
});
