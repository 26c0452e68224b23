// tansu (a Kafka-compatible broker in Rust) as the broker product. Its brokers keep no state of
// their own: several brokers with one --cluster-id share one PostgreSQL database (the `storage-1`
// node, PostgreSQL 17), and each broker answers metadata as the only broker of the cluster (node
// id 111, leader of every partition). One broker can instead keep its data in SQLite or in memory.
// Every node runs under the same supervisor as Kafka's (../supervisor.ts), so kill, pause and
// partition work on brokers and on the storage node alike.
import type { BrokerProduct, NodeSpec } from "../product.ts";
import { EXITED_LINE, SUPERVISOR } from "../supervisor.ts";
import { schemaScript } from "./schema.ts";
import { TANSU_POSTGRES, type TansuStorage } from "./versions.ts";

export { DEFAULT_TANSU_VERSION, TANSU_STORAGES, TANSU_VERSIONS, type TansuStorage } from "./versions.ts";

export interface TansuOptions {
  version: string;
  brokers: number;
  storage: TansuStorage;
}

export const TANSU_PORTS = { client: 9092, postgres: 5432 } as const;
/** The node id every tansu 0.6.0 broker reports for itself (it has no flag to set one). */
export const TANSU_NODE_ID = 111;

/** "ready in 12ms" (tansu, on stdout); PostgreSQL's own line (stderr). */
export const TANSU_READY = /(^|\s)ready in \d+ms|database system is ready to accept connections/;

/** Targets that name what tansu does not have: a partition leader among brokers, a controller, coordinators. */
export const TANSU_NO_TARGETS: Record<string, string> = {
  leader: "every tansu broker leads every partition",
  controller: "tansu has no controller",
  "group-coordinator": "every tansu broker coordinates every group",
  "txn-coordinator": "tansu 0.6.0 has no transactions to coordinate",
  "txn-leader-not-coordinator": "tansu 0.6.0 has no transactions to coordinate",
  truncate: "tansu keeps no log segments of its own (its data is in PostgreSQL)",
  bitflip: "tansu keeps no log segments of its own (its data is in PostgreSQL)",
};

const PG_DATA = "/var/lib/kc/data/pg";
const asKc = "setpriv --reuid=kc --regid=kc --clear-groups";

export function tansuNodes(o: TansuOptions): NodeSpec[] {
  const nodes: NodeSpec[] = [];
  if (o.storage === "postgres") nodes.push({ name: "storage-1", roles: ["storage"], id: 0 });
  for (let i = 1; i <= o.brokers; i++) nodes.push({ name: `broker-${i}`, roles: ["broker"], id: i });
  return nodes;
}

/** The --storage-engine URL of a broker. */
export function storageUrl(o: TansuOptions): string {
  switch (o.storage) {
    case "postgres":
      return `postgres://tansu@storage-1:${TANSU_PORTS.postgres}/postgres?sslmode=disable`;
    case "sqlite":
      return "sqlite:///var/lib/kc/data/tansu.db";
    case "memory":
      return "memory://tansu/";
  }
}

/** Files of one node: the supervisor, what it runs, and (storage) the schema loaded at first start. */
export function tansuFiles(o: TansuOptions, node: NodeSpec, clusterId: string, clientPort?: number, clientHost = "127.0.0.1"): Record<string, string> {
  const files: Record<string, string> = { "supervise.sh": SUPERVISOR };
  if (node.roles.includes("storage")) {
    files["schema.sql"] = schemaScript();
    // initdb and the schema (single-user mode) once; their output goes to files, not the node log,
    // so that the log's first "ready" line is the server's.
    files["prestart.sh"] = `if [ ! -s ${PG_DATA}/PG_VERSION ]; then
  mkdir -p ${PG_DATA} && chown -R kc:kc /var/lib/kc/data && chmod 700 ${PG_DATA}
  ${asKc} /opt/pg/bin/initdb -D ${PG_DATA} -U tansu --auth=trust -E UTF8 > /var/lib/kc/initdb.log 2>&1 || { echo "kafka-chaos: initdb failed"; cat /var/lib/kc/initdb.log; }
  echo "host all all 0.0.0.0/0 trust" >> ${PG_DATA}/pg_hba.conf
  ${asKc} /opt/pg/bin/postgres --single -j -D ${PG_DATA} postgres < /etc/kc/schema.sql > /var/lib/kc/schema.log 2>&1
  grep -q ERROR /var/lib/kc/schema.log && { echo "kafka-chaos: the tansu schema did not load"; grep ERROR /var/lib/kc/schema.log; }
fi
`;
    // setsid: the postmaster leads its own process group, so a kill takes its backends with it.
    files["node.env"] = `WHAT="PostgreSQL ${TANSU_POSTGRES.version} (tansu's shared storage)"
run() { exec setsid ${asKc} /opt/pg/bin/postgres -D ${PG_DATA} -c listen_addresses='*' -c max_connections=200; }
`;
    return files;
  }
  const args = [
    "broker",
    `--cluster-id ${clusterId}`,
    `--listener-url tcp://0.0.0.0:${TANSU_PORTS.client}`,
    // Clients only ever learn the Toxiproxy address, so their traffic cannot bypass link faults.
    `--advertised-listener-url tcp://${clientHost}:${clientPort ?? TANSU_PORTS.client}`,
    `--storage-engine '${storageUrl(o)}'`,
  ];
  // tansu exits at once when its storage does not answer: wait for it, as a service manager would.
  const waitStorage =
    o.storage === "postgres" ? `until bash -c '</dev/tcp/storage-1/${TANSU_PORTS.postgres}' 2>/dev/null; do sleep 0.2; done; ` : "";
  files["prestart.sh"] = "";
  files["node.env"] = `WHAT="tansu ${o.version} broker (${o.storage})"
export RUST_LOG=warn NO_COLOR=1
run() { ${waitStorage}exec /usr/local/bin/tansu ${args.join(" ")}; }
`;
  return files;
}

export function tansu(o: TansuOptions): BrokerProduct {
  const nodes = () => tansuNodes(o);
  return {
    description: `tansu ${o.version} (${o.storage === "postgres" ? "brokers sharing PostgreSQL" : o.storage})`,
    mode: "storage",
    nodes,
    startWaves: () => {
      const all = nodes();
      const storage = all.filter((n) => n.roles.includes("storage"));
      const brokers = all.filter((n) => n.roles.includes("broker"));
      return storage.length ? [storage, brokers] : [brokers];
    },
    files: (node, ctx) => tansuFiles(o, node, ctx.clusterId, ctx.clientPort, ctx.clientHost),
    configDir: "/etc/kc",
    command: ["sh", "/etc/kc/supervise.sh"],
    ready: TANSU_READY,
    exited: EXITED_LINE,
    clientPort: TANSU_PORTS.client,
    newClusterId: () => `kc-${Math.random().toString(36).slice(2, 10)}`,
    selfOnlyMetadata: true,
    unsupportedTargets: TANSU_NO_TARGETS,
  };
}
