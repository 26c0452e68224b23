// FindCoordinator (Kafka API key 10, version 1) over one TCP connection: which broker coordinates
// a consumer group or a transactional id. kafkajs uses this request internally but offers no
// public call for it, and nemeses that aim at coordinators need the answer, so the harness
// speaks these two messages itself. Version 1 (Kafka 0.11+) covers every release the harness
// runs (2.0 to 4.x). The request goes to a broker through its proxy like any client request.
import net from "node:net";
import { KcError } from "../../core/errors.ts";

export type CoordinatorType = "group" | "transaction";

export interface Coordinator {
  nodeId: number;
  host: string;
  port: number;
}

const API_KEY = 10;
const API_VERSION = 1;
const CLIENT_ID = "kafka-chaos";

/** The request bytes: size, header (api key, version, correlation id, client id), key, key type. */
export function encodeFindCoordinator(key: string, type: CoordinatorType, correlationId: number): Buffer {
  const client = Buffer.from(CLIENT_ID, "utf8");
  const k = Buffer.from(key, "utf8");
  const body = Buffer.alloc(2 + 2 + 4 + 2 + client.length + 2 + k.length + 1);
  let o = 0;
  o = body.writeInt16BE(API_KEY, o);
  o = body.writeInt16BE(API_VERSION, o);
  o = body.writeInt32BE(correlationId, o);
  o = body.writeInt16BE(client.length, o);
  o += client.copy(body, o);
  o = body.writeInt16BE(k.length, o);
  o += k.copy(body, o);
  body.writeInt8(type === "group" ? 0 : 1, o);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
}

/** Parses a response (without its size prefix): correlation id, throttle, error, node. */
export function decodeFindCoordinator(b: Buffer): { correlationId: number; errorCode: number; errorMessage: string | null; coordinator: Coordinator } {
  let o = 0;
  const correlationId = b.readInt32BE(o);
  o += 4;
  o += 4; // throttle_time_ms
  const errorCode = b.readInt16BE(o);
  o += 2;
  const msgLen = b.readInt16BE(o);
  o += 2;
  const errorMessage = msgLen < 0 ? null : b.toString("utf8", o, o + msgLen);
  if (msgLen > 0) o += msgLen;
  const nodeId = b.readInt32BE(o);
  o += 4;
  const hostLen = b.readInt16BE(o);
  o += 2;
  const host = b.toString("utf8", o, o + hostLen);
  o += hostLen;
  const port = b.readInt32BE(o);
  return { correlationId, errorCode, errorMessage, coordinator: { nodeId, host, port } };
}

/** Asks the broker at `address` (host:port) once; rejects on a Kafka error code or a timeout. */
export function findCoordinator(address: string, key: string, type: CoordinatorType, timeoutMs = 5000): Promise<Coordinator> {
  const [host, port] = [address.slice(0, address.lastIndexOf(":")), Number(address.slice(address.lastIndexOf(":") + 1))];
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port });
    let buf = Buffer.alloc(0);
    const done = (err?: Error, c?: Coordinator) => {
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(c!);
    };
    const timer = setTimeout(() => done(new KcError("KC_COORDINATOR_TIMEOUT", `FindCoordinator(${type} ${key}) via ${address}: no answer in ${timeoutMs} ms`)), timeoutMs);
    sock.on("error", (e) => done(e));
    sock.on("connect", () => sock.write(encodeFindCoordinator(key, type, 1)));
    sock.on("data", (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length < 4 || buf.length < 4 + buf.readInt32BE(0)) return;
      const r = decodeFindCoordinator(buf.subarray(4, 4 + buf.readInt32BE(0)));
      // 15 COORDINATOR_NOT_AVAILABLE, 14 COORDINATOR_LOAD_IN_PROGRESS: retriable; the caller retries.
      if (r.errorCode !== 0) done(new KcError("KC_COORDINATOR_ERROR", `FindCoordinator(${type} ${key}) via ${address}: Kafka error ${r.errorCode}${r.errorMessage ? ` (${r.errorMessage})` : ""}`));
      else done(undefined, r.coordinator);
    });
  });
}

/** Tries each address, and retries retriable answers, until `deadline` (Date.now() ms). */
export async function findCoordinatorAny(addresses: string[], key: string, type: CoordinatorType, timeoutMs = 15_000): Promise<Coordinator> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    for (const a of addresses) {
      try {
        return await findCoordinator(a, key, type, Math.min(5000, Math.max(500, deadline - Date.now())));
      } catch (e) {
        last = e;
      }
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new KcError("KC_NO_COORDINATOR", `no broker named the ${type} coordinator of ${JSON.stringify(key)} within ${timeoutMs / 1000} s: ${(last as Error)?.message}`, {
    hint: "the coordinator's internal topic (__consumer_offsets or __transaction_state) may still be being created, or no broker is reachable",
  });
}
