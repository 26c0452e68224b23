// Kubernetes as a deployment: the cluster under test as StatefulSets in a namespace of the run's
// own, reached through the kubeconfig (--kubeconfig, $KUBECONFIG, or the local one-node cluster of
// `npm run k8s:up`). On the local cluster the images are built here and side-loaded into the
// node; on another cluster its nodes pull the images named by --kafka-image/--toxiproxy-image.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { KcError } from "../../core/errors.ts";
import { component } from "../../core/log.ts";
import { runOk } from "../../core/proc.ts";
import type { Deployment, DeploymentSettings } from "../deployment.ts";
import { ensureImages, kafkaTag, toxiproxyTag } from "../docker/images.ts";
import { assertDockerRunning } from "../docker/docker.ts";
import { ensureTansuImage } from "../docker/tansu-image.ts";
import { ensureClientsImage } from "../docker/clients-image.ts";
import { AttachedCluster, ATTACHED_CAPABILITIES } from "./attached.ts";
import { KubernetesCluster, KUBERNETES_CAPABILITIES, ownerOf } from "./cluster.ts";
import { Kubectl, localKubeconfig, resolveKubeconfig } from "./kubectl.ts";
import { LABEL, OWNER_LABEL, runNamespace } from "./manifests.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
const LOAD_IMAGE = path.resolve(here, "../../scripts/k8s/load-image.sh");

const isLocal = (kubeconfig: string) => path.resolve(kubeconfig) === path.resolve(localKubeconfig());

/** Whether the harness process that owns a run (label `<host>-p<pid>`) is gone from this host. */
function ownerGone(owner: string | undefined): boolean {
  const m = owner ? /^(.*)-p(\d+)$/.exec(owner) : null;
  if (!m || m[1] !== ownerOf().replace(/-p\d+$/, "")) return false;
  try {
    process.kill(Number(m[2]), 0);
    return false;
  } catch {
    return true;
  }
}

/** Deletes the namespaces of crashed runs of this host (their harness process is gone). */
async function removeLeftovers(settings: DeploymentSettings): Promise<string[]> {
  const k = new Kubectl(resolveKubeconfig(settings.kubeconfig), "default");
  const ns = await k.json<{ items: { metadata: { name: string; labels?: Record<string, string> } }[] }>(["get", "namespaces", "-l", `${LABEL}=1`], "listing the runs' namespaces", { namespaced: false });
  const gone = ns.items.filter((n) => ownerGone(n.metadata.labels?.[OWNER_LABEL])).map((n) => n.metadata.name);
  for (const name of gone) await k.run(["delete", "namespace", name, "--wait=false"], { namespaced: false });
  return gone.map((n) => `namespace ${n}`);
}

export const kubernetesDeployment: Deployment = {
  name: "kubernetes",
  description: "StatefulSets in a namespace of the run's own on a Kubernetes cluster (--kubeconfig), clients through Toxiproxy's Service, faults through a node agent",
  capabilities: KUBERNETES_CAPABILITIES,
  capabilitiesFor: (settings) => (settings?.attach ? ATTACHED_CAPABILITIES : KUBERNETES_CAPABILITIES),
  async preflight(settings = {}) {
    const kubeconfig = resolveKubeconfig(settings.kubeconfig);
    const k = new Kubectl(kubeconfig, "default");
    const r = await k.run(["get", "--raw", "/readyz"], { namespaced: false });
    if (r.code !== 0) {
      throw new KcError("KC_K8S_UNREACHABLE", `the Kubernetes API server of ${kubeconfig} does not answer`, {
        details: r.lines.map((l) => `  | ${l}`).join("\n"),
        hint: isLocal(kubeconfig) ? "start the local cluster: npm run k8s:up" : "check the kubeconfig's server and credentials (kubectl --kubeconfig FILE get nodes)",
      });
    }
    return removeLeftovers(settings);
  },
  async prepare(o) {
    const kubeconfig = resolveKubeconfig(o.settings?.kubeconfig);
    if (o.upgradeTo) throw new KcError("KC_NOT_OFFERED", "rolling upgrades are not offered on Kubernetes yet", { hint: "use --deployment docker with --upgrade-to" });
    const inPods = o.settings?.clientsIn === "pod";
    if (inPods && !o.client) throw new KcError("KC_NOT_OFFERED", "--clients-in pod needs the client library the run loaded", { hint: "run it through harness/run.ts (npm run chaos)" });
    if (!isLocal(kubeconfig)) {
      // Another cluster pulls the images itself: they must be in a registry its nodes reach.
      const kafka = o.images.kafka ?? kafkaTag(o.kafkaVersion);
      const toxiproxy = o.images.toxiproxy ?? toxiproxyTag();
      // The clients image is built here (it carries this harness's sources) and pushed by the user.
      const clients = inPods ? (await assertDockerRunning(), await ensureClientsImage(o.client!)) : undefined;
      component("k8s").info(`the cluster's nodes pull ${[kafka, toxiproxy, ...(clients ? [clients] : [])].join(", ")} (push them to a registry they reach, or give --kafka-image/--toxiproxy-image)`);
      return { kafka, toxiproxy, agent: kafka, ...(clients ? { clients } : {}) };
    }
    await assertDockerRunning();
    const nodeImage = o.product?.name === "tansu" ? await ensureTansuImage(o.product.version) : o.images.kafka;
    const images = await ensureImages({ kafkaVersion: o.kafkaVersion, kafkaImage: nodeImage, toxiproxyImage: o.images.toxiproxy });
    const clients = inPods ? await ensureClientsImage(o.client!) : undefined;
    for (const image of new Set([images.kafka, images.toxiproxy, ...(clients ? [clients] : [])])) {
      await runOk("KC_K8S_IMAGE", "bash", [LOAD_IMAGE, image], { what: `side-loading ${image} into the local Kubernetes node` });
    }
    return { kafka: images.kafka, toxiproxy: images.toxiproxy, agent: images.kafka, ...(clients ? { clients } : {}) };
  },
  start: (o) =>
    o.settings?.attach
      ? AttachedCluster.start({
          runId: o.runId,
          runDir: o.runDir,
          product: o.product,
          kubeconfig: resolveKubeconfig(o.settings.kubeconfig),
          namespace: o.settings.namespace ?? "default",
          ownNamespace: runNamespace(o.runId),
          attach: o.settings.attach,
          agentImage: o.artifacts.agent ?? o.artifacts.kafka,
          clients: o.artifacts.clients ? { image: o.artifacts.clients, replicas: o.settings.clientPods ?? 1 } : undefined,
          readyTimeoutSeconds: o.readyTimeoutSeconds,
        })
      : KubernetesCluster.start({
      runId: o.runId,
      runDir: o.runDir,
      options: o.options,
      product: o.product,
      kubeconfig: resolveKubeconfig(o.settings?.kubeconfig),
      namespace: o.settings?.namespace ?? runNamespace(o.runId),
      images: { node: o.artifacts.kafka, toxiproxy: o.artifacts.toxiproxy, agent: o.artifacts.agent ?? o.artifacts.kafka, ...(o.artifacts.clients ? { clients: o.artifacts.clients } : {}) },
      clientPods: o.settings?.clientPods,
      pullPolicy: "IfNotPresent",
      readyTimeoutSeconds: o.readyTimeoutSeconds,
      localNode: isLocal(resolveKubeconfig(o.settings?.kubeconfig)),
    }),
};

export { KubernetesCluster } from "./cluster.ts";
