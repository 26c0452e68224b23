// Client specs and versions: what `--client NAME@VERSION` accepts, refuses and how it says so.
import { describe, expect, it } from "vitest";
import { KcError } from "../core/errors.ts";
import { bundledLibrary, bundledVersion, CLIENT_PACKAGES, compareVersions, formatClientSpec, loadClientLibrary, parseClientSpec } from "./library.ts";
import { CLIENT_NAMES } from "./index.ts";

const errorOf = (f: () => unknown): KcError => {
  try {
    f();
  } catch (e) {
    return e as KcError;
  }
  throw new Error("no error");
};

describe("client specs", () => {
  it("reads a name, or a name and a release", () => {
    expect(parseClientSpec("kafkajs", CLIENT_NAMES)).toEqual({ name: "kafkajs", version: undefined });
    expect(parseClientSpec("kafkajs@1.16.0", CLIENT_NAMES)).toEqual({ name: "kafkajs", version: "1.16.0" });
    expect(parseClientSpec("confluent@1.8.0", CLIENT_NAMES)).toEqual({ name: "confluent", version: "1.8.0" });
    expect(parseClientSpec("kafkajs@2.3.0-beta.3", CLIENT_NAMES).version).toBe("2.3.0-beta.3");
    expect(formatClientSpec({ name: "kafkajs", version: "1.16.0" })).toBe("kafkajs@1.16.0");
  });

  it("refuses unknown clients, malformed versions and releases below the adapter's floor, saying what works", () => {
    const unknown = errorOf(() => parseClientSpec("rdkafka@1.0.0", CLIENT_NAMES));
    expect(unknown.code).toBe("KC_BAD_FLAG");
    expect(unknown.hint).toContain("kafkajs, confluent");
    expect(errorOf(() => parseClientSpec("kafkajs@latest", CLIENT_NAMES)).message).toContain('"latest" is not a release version');
    const old = errorOf(() => parseClientSpec("kafkajs@1.4.6", CLIENT_NAMES));
    expect(old.code).toBe("KC_CLIENT_VERSION");
    expect(old.message).toContain("no transactions");
    expect(old.hint).toBe(`use kafkajs ${CLIENT_PACKAGES.kafkajs.floor} or later`);
  });

  it("orders versions numerically, a pre-release before its release", () => {
    expect(compareVersions("1.10.0", "1.5.0")).toBeGreaterThan(0);
    expect(compareVersions("1.5.0", "1.5.0")).toBe(0);
    expect(compareVersions("2.3.0-beta.3", "2.3.0")).toBeLessThan(0);
    expect(compareVersions("2.2.4", "2.3.0-beta.0")).toBeLessThan(0);
  });

  it("loads the bundled release without installing anything", async () => {
    const v = bundledVersion("kafkajs")!;
    const lib = await loadClientLibrary({ name: "kafkajs", version: v });
    expect(lib).toMatchObject({ name: "kafkajs", version: v, bundled: true });
    expect(bundledLibrary("kafkajs").module).toBe(lib.module);
    expect(typeof (lib.module as { Kafka: unknown }).Kafka).toBe("function");
  });
});
