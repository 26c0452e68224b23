// The pods that run the workload's clients (`--clients-in pod`), for a cluster the harness
// deployed and for an attached one: a Deployment of the clients image in the run's namespace,
// and one client-host launcher per ready pod (`kubectl exec -i <pod> -- node clients/remote/host.ts`,
// through the API server).
import { KcError } from "../../core/errors.ts";
import type { ClientHostLauncher } from "../../clients/remote/remote.ts";
import { IMAGE_LIBRARY_DIR } from "../docker/clients-image.ts";
import type { Kubectl } from "./kubectl.ts";
import { CLIENTS, clients, dnsLabel, ROLE_LABEL, RUN_LABEL } from "./manifests.ts";

interface PodJson {
  metadata: { name: string; deletionTimestamp?: string };
  spec: { nodeName?: string };
  status: { containerStatuses?: { ready?: boolean }[] };
}

export async function startClientPods(
  kubectl: Kubectl,
  o: { namespace: string; runId: string; owner: string; pullPolicy: "IfNotPresent" | "Never" | "Always"; image: string; replicas: number; timeoutMs: number },
): Promise<{ hosts: ClientHostLauncher[]; info: { image: string; pods: { pod: string; node?: string }[] } }> {
  await kubectl.apply([clients(o, o.image, o.replicas)], `creating the clients Deployment ${CLIENTS}`);
  const rollout = await kubectl.run(["rollout", "status", `deployment/${CLIENTS}`, `--timeout=${Math.round(o.timeoutMs / 1000)}s`]);
  const pods = await kubectl.json<{ items: PodJson[] }>(["get", "pods", "-l", `${RUN_LABEL}=${dnsLabel(o.runId)},${ROLE_LABEL}=${CLIENTS}`], "listing the clients pods");
  const ready = pods.items.filter((p) => !p.metadata.deletionTimestamp && p.status.containerStatuses?.every((s) => s.ready)).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  if (rollout.code !== 0 || ready.length < o.replicas) {
    throw new KcError("KC_K8S_FAILED", `${ready.length} of ${o.replicas} clients pods of ${CLIENTS} became ready`, {
      details: rollout.lines.map((l) => `  | ${l}`).join("\n"),
      hint: `kubectl -n ${o.namespace} describe deployment ${CLIENTS} (is ${o.image} in a registry the nodes pull from?)`,
    });
  }
  const chosen = ready.slice(0, o.replicas);
  return {
    hosts: chosen.map((pod) => ({
      where: `pod ${pod.metadata.name} (namespace ${o.namespace}, node ${pod.spec.nodeName})`,
      libraryDir: IMAGE_LIBRARY_DIR,
      spawn: () => kubectl.execStream(pod.metadata.name, "clients", ["node", "clients/remote/host.ts"]),
    })),
    info: { image: o.image, pods: chosen.map((p) => ({ pod: p.metadata.name, node: p.spec.nodeName })) },
  };
}
