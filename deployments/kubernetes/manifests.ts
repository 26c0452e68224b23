// The Kubernetes objects of one run, as plain data (no API calls here, so they are unit-tested
// directly). A run lives in a namespace of its own; every object carries the run's labels.
//
//   - one StatefulSet per group of nodes (zk, controller, broker, storage), ordinals from 1 so
//     that pods carry the harness's node names (broker-1 ...), behind a headless Service;
//   - one headless Service per node, named after it, so that the names the product's config
//     uses (broker-1:9091, zk-1:2181) resolve inside the namespace, ready or not;
//   - one ConfigMap per group: each node's generated files under <node>/, mounted at the
//     product's config dir with subPathExpr;
//   - data on a hostPath directory per node (survives a container restart and a pod delete),
//     the supervisor's state (hold, pid) on an emptyDir (a new pod starts its node);
//   - Toxiproxy (a Deployment and a ClusterIP Service): clients reach broker i through port
//     TOXI_BASE_PORT + i of that Service, which the brokers advertise;
//   - the fault agent: a privileged DaemonSet (host PID and network) that applies grudges in
//     pods' network namespaces and removes the run's data from its node.
import type { BrokerProduct, NodeSpec } from "../../products/product.ts";
import { LAZYFS_BACKING, LAZYFS_BIN, NODE_DATA_DIR } from "../shared/lazyfs.ts";
import { CLOCK_DIR, CLOCK_LIB, clockEnv } from "../shared/clock.ts";

export const LABEL = "kafka-chaos";
export const RUN_LABEL = "kafka-chaos.run";
export const OWNER_LABEL = "kafka-chaos.owner";
export const NODE_LABEL = "kafka-chaos.node";
export const ROLE_LABEL = "kafka-chaos.role";
/** The container that runs a node's process in its pod. */
export const NODE_CONTAINER = "node";
export const AGENT = "kc-fault-agent";
export const TOXIPROXY = "toxiproxy";
/** The pods of the workload's clients (--clients-in pod). */
export const CLIENTS = "kc-clients";
/** Where each node's data lives on the Kubernetes node: <root>/<namespace>/<node>. */
export const HOST_DATA_ROOT = "/var/lib/kafka-chaos/runs";

export interface RunManifestInput {
  namespace: string;
  runId: string;
  owner: string;
  product: BrokerProduct;
  /** Each node's files (product.files with the client address filled in). */
  files: Record<string, Record<string, string>>;
  images: { node: string; toxiproxy: string; agent: string };
  /** IfNotPresent for a registry's images; Never for images side-loaded into the local node. */
  pullPolicy: "IfNotPresent" | "Never" | "Always";
  /** Toxiproxy: API port and broker name → listen port. */
  toxiproxy: { apiPort: number; ports: Record<string, number> };
  /**
   * kc-lazyfs for power cuts: the binary's path on the Kubernetes node (the local cluster's node
   * is this machine). The data volume then backs the layer, which serves the data dir.
   */
  lazyfsBin?: string;
  /**
   * kc-clock (the clock nemesis): the library's path on the Kubernetes node, and the run's
   * `nodes` directory there, whose `<node>/clock/state` is each node's state file (the local
   * cluster only: the harness writes the state files where the node's processes map them).
   */
  clock?: { lib: string; dir: string };
  /**
   * The disk nemesis: each broker's data on a filesystem of its own of this many MiB, a
   * memory-backed emptyDir (a tmpfs of that size, as in Docker). It survives a container restart
   * (kill, power) but not a pod delete.
   */
  dataDiskMb?: number;
}

type Obj = Record<string, unknown>;

/** A name the API accepts as a namespace and a label value: at most 63 of [a-z0-9-]. */
export function dnsLabel(s: string, max = 63): string {
  let out = s.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "");
  if (out.length > max) {
    let h = 0;
    for (const c of s) h = (Math.imul(h, 31) + c.charCodeAt(0)) >>> 0;
    const tag = h.toString(16).padStart(8, "0");
    out = `${out.slice(0, max - 9).replace(/-+$/, "")}-${tag}`;
  }
  return out || "kc";
}

/** The namespace a run creates when none is given. */
export const runNamespace = (runId: string): string => dnsLabel(`kc-${runId}`);

/** The group a node belongs to (its StatefulSet): its name without the ordinal. */
export function groupOf(node: string): { group: string; ordinal: number } {
  const m = /^([a-z][a-z0-9-]*?)-(\d+)$/.exec(node);
  if (!m) throw new Error(`node name ${node} is not <group>-<ordinal>`);
  return { group: m[1], ordinal: Number(m[2]) };
}

/** Nodes by group, each group's ordinals 1..n in order (a StatefulSet's pods). */
export function groups(nodes: readonly NodeSpec[]): Map<string, NodeSpec[]> {
  const out = new Map<string, NodeSpec[]>();
  for (const n of nodes) {
    const { group } = groupOf(n.name);
    out.set(group, [...(out.get(group) ?? []), n]);
  }
  for (const [g, ns] of out) {
    ns.forEach((n, i) => {
      if (groupOf(n.name).ordinal !== i + 1) throw new Error(`group ${g}'s nodes must be numbered 1..${ns.length} in order (got ${ns.map((x) => x.name).join(", ")})`);
    });
  }
  return out;
}

export function runLabels(i: Pick<RunManifestInput, "runId" | "owner">, extra: Record<string, string> = {}): Record<string, string> {
  return { [LABEL]: "1", [RUN_LABEL]: dnsLabel(i.runId), [OWNER_LABEL]: dnsLabel(i.owner), ...extra };
}

const meta = (i: Pick<RunManifestInput, "namespace" | "runId" | "owner">, name: string, extra: Record<string, string> = {}) => ({ name, namespace: i.namespace, labels: runLabels(i, extra) });

/**
 * A StatefulSet, Deployment or DaemonSet of the run named `name`, whose pods carry the run's
 * labels and role `name`, stop at once (grace 1 s) and get no service-link environment.
 */
function podSet(i: Pick<RunManifestInput, "namespace" | "runId" | "owner">, kind: "StatefulSet" | "Deployment" | "DaemonSet", name: string, spec: Obj, pod: Obj): Obj {
  const labels = { [RUN_LABEL]: dnsLabel(i.runId), [ROLE_LABEL]: name };
  return {
    apiVersion: "apps/v1",
    kind,
    metadata: meta(i, name, { [ROLE_LABEL]: name }),
    spec: {
      ...spec,
      selector: { matchLabels: labels },
      template: { metadata: { labels: { ...runLabels(i), ...labels } }, spec: { terminationGracePeriodSeconds: 1, enableServiceLinks: false, ...pod } },
    },
  };
}

export function namespaceObject(i: Pick<RunManifestInput, "namespace" | "runId" | "owner">): Obj {
  return { apiVersion: "v1", kind: "Namespace", metadata: { name: i.namespace, labels: runLabels(i) } };
}

/** Every object of the run but the namespace, in the order they are applied. */
export function runObjects(i: RunManifestInput): Obj[] {
  const out: Obj[] = [];
  const nodes = i.product.nodes();
  const hasClients = nodes.some((n) => n.roles.includes("broker"));
  for (const [group, members] of groups(nodes)) {
    const data: Record<string, string> = {};
    const items: { key: string; path: string }[] = [];
    for (const n of members) {
      for (const [file, text] of Object.entries(i.files[n.name] ?? {})) {
        const key = `${n.name}.${file}`;
        data[key] = text;
        items.push({ key, path: `${n.name}/${file}` });
      }
    }
    out.push({ apiVersion: "v1", kind: "ConfigMap", metadata: meta(i, `${group}-conf`), data });
    out.push({
      apiVersion: "v1",
      kind: "Service",
      metadata: meta(i, group),
      spec: { clusterIP: "None", publishNotReadyAddresses: true, selector: { [RUN_LABEL]: dnsLabel(i.runId), [ROLE_LABEL]: group } },
    });
    for (const n of members) {
      out.push({
        apiVersion: "v1",
        kind: "Service",
        metadata: meta(i, n.name, { [NODE_LABEL]: n.name }),
        spec: { clusterIP: "None", publishNotReadyAddresses: true, selector: { "statefulset.kubernetes.io/pod-name": n.name } },
      });
    }
    out.push(statefulSet(i, group, members.length, items, peersOf(i.product, members), members.some((m) => m.roles.includes("broker")) ? i.dataDiskMb : undefined));
  }
  if (hasClients) out.push(...toxiproxy(i));
  out.push(agent(i));
  return out;
}

/**
 * The names a group's pods wait to resolve before their process starts: every node of their
 * start wave and the waves before. A headless Service's record appears only once its pod has an
 * address, and a ZooKeeper or KRaft quorum peer that starts before its peers resolve backs off
 * for up to a minute.
 */
export function peersOf(product: BrokerProduct, members: NodeSpec[]): string[] {
  const waves = product.startWaves();
  const last = Math.max(...members.map((m) => waves.findIndex((w) => w.some((n) => n.name === m.name))));
  return waves.slice(0, last + 1).flat().map((n) => n.name);
}

/** The node's command, once the names it needs resolve (at most a minute). */
const afterPeersResolve = (command: string[]): string[] => [
  "sh",
  "-c",
  'for n in $KC_PEERS; do i=0; until getent hosts "$n" >/dev/null || [ $i -ge 120 ]; do i=$((i+1)); sleep 0.5; done; done; exec "$@"',
  "kc-wait-peers",
  ...command,
];

function statefulSet(i: RunManifestInput, group: string, replicas: number, items: { key: string; path: string }[], peers: string[], diskMb?: number): Obj {
  return podSet(i, "StatefulSet", group, { serviceName: group, replicas, ordinals: { start: 1 }, podManagementPolicy: "Parallel" }, {
    containers: [
      {
        name: NODE_CONTAINER,
        image: i.images.node,
        imagePullPolicy: i.pullPolicy,
        command: afterPeersResolve(i.product.command),
        env: [
          { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
          { name: "KC_PEERS", value: peers.join(" ") },
          ...(i.clock ? Object.entries(clockEnv()).map(([name, value]) => ({ name, value })) : []),
        ],
        volumeMounts: [
          { name: "conf", mountPath: i.product.configDir, subPathExpr: "$(POD_NAME)", readOnly: true },
          { name: "state", mountPath: "/var/lib/kc" },
          // On kc-lazyfs the volume is the layer's backing (what survives a power cut), and the
          // layer serves the data dir (mount.sh); FUSE needs /dev/fuse and the right to mount.
          { name: "data", mountPath: i.lazyfsBin ? LAZYFS_BACKING : NODE_DATA_DIR, subPathExpr: "$(POD_NAME)" },
          ...(i.lazyfsBin ? [{ name: "lazyfs", mountPath: LAZYFS_BIN, readOnly: true }] : []),
          // kc-clock: the library every process preloads, and the pod's own state file's directory.
          ...(i.clock ? [{ name: "clock-lib", mountPath: CLOCK_LIB, readOnly: true }, { name: "clock", mountPath: CLOCK_DIR, subPathExpr: "$(POD_NAME)/clock", readOnly: true }] : []),
        ],
        ...(i.lazyfsBin ? { securityContext: { privileged: true } } : {}),
      },
    ],
    volumes: [
      { name: "conf", configMap: { name: `${group}-conf`, items } },
      { name: "state", emptyDir: {} },
      diskMb ? { name: "data", emptyDir: { medium: "Memory", sizeLimit: `${diskMb}Mi` } } : { name: "data", hostPath: { path: `${HOST_DATA_ROOT}/${i.namespace}`, type: "DirectoryOrCreate" } },
      ...(i.lazyfsBin ? [{ name: "lazyfs", hostPath: { path: i.lazyfsBin, type: "File" } }] : []),
      ...(i.clock ? [{ name: "clock-lib", hostPath: { path: i.clock.lib, type: "File" } }, { name: "clock", hostPath: { path: i.clock.dir, type: "Directory" } }] : []),
    ],
  });
}

function toxiproxy(i: RunManifestInput): Obj[] {
  const ports = [{ name: "api", port: i.toxiproxy.apiPort }, ...Object.entries(i.toxiproxy.ports).map(([b, p]) => ({ name: b, port: p }))];
  return [
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: meta(i, TOXIPROXY),
      spec: { selector: { [RUN_LABEL]: dnsLabel(i.runId), [ROLE_LABEL]: TOXIPROXY }, ports: ports.map((p) => ({ ...p, protocol: "TCP", targetPort: p.port })) },
    },
    podSet(i, "Deployment", TOXIPROXY, { replicas: 1 }, {
      containers: [{ name: TOXIPROXY, image: i.images.toxiproxy, imagePullPolicy: i.pullPolicy, ports: ports.map((p) => ({ containerPort: p.port })) }],
    }),
  ];
}

/**
 * The fault agent: one privileged pod per Kubernetes node, in the host's PID and network
 * namespaces, that the harness asks (through the API's exec) to enter a pod's network
 * namespace and change its iptables rules, to list them, and to remove the run's data.
 */
export function agent(i: Pick<RunManifestInput, "namespace" | "runId" | "owner" | "pullPolicy"> & { images: { agent: string } }): Obj {
  return podSet(i, "DaemonSet", AGENT, {}, {
    hostPID: true,
    hostNetwork: true,
    dnsPolicy: "ClusterFirstWithHostNet",
    tolerations: [{ operator: "Exists" }],
    containers: [
      {
        name: "agent",
        image: i.images.agent,
        imagePullPolicy: i.pullPolicy,
        command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 3600 & wait $!; done"],
        securityContext: { privileged: true, capabilities: { add: ["NET_ADMIN", "SYS_ADMIN"] } },
        volumeMounts: [{ name: "runs", mountPath: HOST_DATA_ROOT }],
      },
    ],
    volumes: [{ name: "runs", hostPath: { path: HOST_DATA_ROOT, type: "DirectoryOrCreate" } }],
  });
}

/**
 * The pods that run the workload's clients (`--clients-in pod`): the clients image, idle until
 * the harness starts a client host in one (`kubectl exec -i … node clients/remote/host.ts`).
 * Spread over the Kubernetes nodes when there are several replicas.
 */
export function clients(i: Pick<RunManifestInput, "namespace" | "runId" | "owner" | "pullPolicy">, image: string, replicas = 1): Obj {
  const spread = { labelSelector: { matchLabels: { [RUN_LABEL]: dnsLabel(i.runId), [ROLE_LABEL]: CLIENTS } }, topologyKey: "kubernetes.io/hostname" };
  return podSet(i, "Deployment", CLIENTS, { replicas }, {
    affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: spread }] } },
    containers: [{ name: "clients", image, imagePullPolicy: i.pullPolicy, command: ["sleep", "infinity"] }],
  });
}
