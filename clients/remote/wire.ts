// What the harness tells a client host (./host.ts) when it starts it: which library to load from
// where, and the clients' settings, as JSON (the key space's map as entries).
import type { ConfluentSettings } from "../confluent/client.ts";
import type { ClientName } from "../settings.ts";

export interface HostSpec {
  client: ClientName;
  /** The version the harness loaded; the host checks it loads the same one. */
  version: string;
  /** The library's package directory inside the host's image. */
  libraryDir: string;
  settings: ConfluentSettings;
}

type WireSettings = Omit<ConfluentSettings, "keySpace"> & { keySpace: Omit<ConfluentSettings["keySpace"], "partitionsOf"> & { partitionsOf: [string, number[]][] } };

export const specToWire = (s: HostSpec): Record<string, unknown> => ({
  ...s,
  settings: { ...s.settings, keySpace: { ...s.settings.keySpace, partitionsOf: [...s.settings.keySpace.partitionsOf] } } satisfies WireSettings,
});

export function specFromWire(w: Record<string, unknown>): HostSpec {
  const s = w as unknown as HostSpec & { settings: WireSettings };
  return { ...s, settings: { ...s.settings, keySpace: { ...s.settings.keySpace, partitionsOf: new Map(s.settings.keySpace.partitionsOf) } } };
}
