// What a CLI command writes, captured around each test of the describe block that calls this.

import { afterEach, beforeEach, vi } from "vitest";

export function captureOutput(): { out: string; err: string } {
  const c = { out: "", err: "" };
  beforeEach(() => {
    c.out = "";
    c.err = "";
    vi.spyOn(process.stdout, "write").mockImplementation((s) => ((c.out += String(s)), true));
    vi.spyOn(process.stderr, "write").mockImplementation((s) => ((c.err += String(s)), true));
  });
  afterEach(() => vi.restoreAllMocks());
  return c;
}
