// A test description from code: a partial TestConfig merged over the defaults, with every field
// checked against the defaults' shape, so a typo or a wrong type fails with the field's name
// instead of being ignored. The CLI's flags and this spec resolve to the same TestConfig.
import { KcError } from "../core/errors.ts";
import { defaultConfig, defaultName, validateConfig, type TestConfig } from "./config.ts";

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends readonly unknown[] ? T[K] : T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** What `runTest(spec)` takes: any part of the test description. */
export type TestSpec = DeepPartial<TestConfig>;

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Free-form maps: any key goes (config overrides). */
const FREE_FORM = new Set(["cluster.brokerConfig", "workload.topicConfig", "images"]);

function merge(base: Record<string, unknown>, over: Record<string, unknown>, at: string): void {
  for (const [k, v] of Object.entries(over)) {
    const where = at ? `${at}.${k}` : k;
    if (v === undefined) continue;
    const free = FREE_FORM.has(at);
    if (!free && !(k in base)) {
      throw new KcError("KC_BAD_SPEC", `unknown field ${where} in the test spec`, { hint: `known fields${at ? ` of ${at}` : ""}: ${Object.keys(base).join(", ")}` });
    }
    const b = base[k];
    if (free) base[k] = v;
    else if (isPlainObject(b)) {
      if (!isPlainObject(v)) throw new KcError("KC_BAD_SPEC", `${where} must be an object (got ${JSON.stringify(v)})`, { hint: `e.g. ${where}: ${JSON.stringify(b)}` });
      merge(b, v, where);
    } else if (b !== undefined && typeof b !== typeof v) {
      throw new KcError("KC_BAD_SPEC", `${where} must be a ${Array.isArray(b) ? "list" : typeof b} (got ${JSON.stringify(v)})`, { hint: `its default is ${JSON.stringify(b)}` });
    } else if (Array.isArray(b) && !Array.isArray(v)) {
      throw new KcError("KC_BAD_SPEC", `${where} must be a list (got ${JSON.stringify(v)})`, { hint: `e.g. ${where}: ${JSON.stringify(b.length ? b : ["partition"])}` });
    } else base[k] = v;
  }
}

/** The full test description for a spec: defaults, then the spec; seed random unless given. */
export function resolveSpec(spec: TestSpec = {}): TestConfig {
  if (!isPlainObject(spec)) throw new KcError("KC_BAD_SPEC", `a test spec is an object (got ${JSON.stringify(spec)})`, { hint: 'e.g. runTest({ nemesis: { faults: ["partition"] }, timeLimitSeconds: 20 })' });
  const config = defaultConfig();
  merge(config as unknown as Record<string, unknown>, spec as Record<string, unknown>, "");
  if (spec.seed === undefined) config.seed = Math.floor(Math.random() * 2 ** 31);
  if (spec.workload?.name === "txn" && spec.workload.txn === undefined) config.workload.txn = true;
  if (spec.consumer?.mode && spec.workload?.subscribe === undefined) config.workload.subscribe = spec.consumer.mode !== "assign";
  if (!spec.name) config.name = defaultName(config);
  if (!config.startedAt) config.startedAt = new Date().toISOString();
  if (!config.command) config.command = "runTest(spec)";
  validateConfig(config);
  return config;
}
