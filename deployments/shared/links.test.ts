// Links.probe, the readiness poll of Toxiproxy's API: a connection of its own per poll, so that a
// wrong peer that answered once (what answers a Kubernetes cluster IP before kube-proxy has
// written its rules) is not asked again by every later poll, as fetch's keep-alive pool did.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { Links } from "./links.ts";

let server: http.Server | undefined;

afterEach(async () => {
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
});

/** A server that answers `answer(n)` to its n-th request (from 0) and counts its connections. */
async function serve(answer: (n: number) => { status: number; body: string }): Promise<{ url: string; connections: () => number }> {
  let requests = 0;
  let connections = 0;
  server = http.createServer((req, res) => {
    const a = answer(requests++);
    res.writeHead(a.status, { server: "elsewhere", "content-type": "application/json" });
    res.end(a.body);
  });
  server.keepAliveTimeout = 60_000;
  server.on("connection", () => connections++);
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, connections: () => connections };
}

describe("Links.probe", () => {
  it("says yes to Toxiproxy's version, and names what answered instead, each poll on a new connection", async () => {
    const s = await serve((n) => (n < 2 ? { status: 404, body: "" } : { status: 200, body: '{"version": "2.12.0"}' }));
    const links = new Links(s.url);
    expect(await links.probe()).toBe('HTTP 404 from server "elsewhere", not Toxiproxy\'s version');
    expect(await links.probe()).toBe('HTTP 404 from server "elsewhere", not Toxiproxy\'s version');
    expect(await links.probe()).toBe("yes");
    expect(s.connections()).toBe(3);
  });

  it("is not fooled by a 200 that is not Toxiproxy's", async () => {
    const s = await serve(() => ({ status: 200, body: "<html>hello</html>" }));
    expect(await new Links(s.url).probe()).toBe('HTTP 200 from server "elsewhere", not Toxiproxy\'s version');
  });

  it("gives up on a peer that accepts but never answers, and on one that refuses", async () => {
    server = http.createServer(() => undefined);
    await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    expect(await new Links(`http://127.0.0.1:${port}`).probe(300)).toBe("no answer in 0.3 s");
    server.closeAllConnections();
    await new Promise((r) => server!.close(r));
    server = undefined;
    expect(await new Links(`http://127.0.0.1:${port}`).probe(300)).toMatch(/ECONNREFUSED/);
  });
});
