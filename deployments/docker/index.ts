// Local Docker as a deployment: images built here (or given), nodes as labelled containers on a
// network of the run's own, Toxiproxy in front of the brokers, partitions with iptables.
import type { Deployment } from "../deployment.ts";
import { Cluster, DOCKER_CAPABILITIES } from "./cluster.ts";
import { assertDockerRunning, removeLeftovers } from "./docker.ts";
import { ensureImages, resolveKafkaJars } from "./images.ts";
import { ensureTansuImage } from "./tansu-image.ts";

export const dockerDeployment: Deployment = {
  name: "docker",
  description: "containers on this machine's Docker engine, clients through Toxiproxy on 127.0.0.1",
  capabilities: DOCKER_CAPABILITIES,
  async preflight() {
    await assertDockerRunning();
    return removeLeftovers();
  },
  async prepare(o) {
    // Another product's nodes run its own image (built on demand) in place of Kafka's.
    const nodeImage = o.product?.name === "tansu" ? await ensureTansuImage(o.product.version) : o.images.kafka;
    const images = await ensureImages({ kafkaVersion: o.kafkaVersion, kafkaImage: nodeImage, toxiproxyImage: o.images.toxiproxy });
    // A rolling upgrade copies the other release's jars into the nodes: resolve them now, not mid-run.
    if (o.upgradeTo) await resolveKafkaJars(o.upgradeTo);
    return { kafka: images.kafka, toxiproxy: images.toxiproxy, net: images.net };
  },
  start: (o) =>
    Cluster.start({
      runId: o.runId,
      runDir: o.runDir,
      options: o.options,
      product: o.product,
      images: { kafka: o.artifacts.kafka, toxiproxy: o.artifacts.toxiproxy, net: o.artifacts.net ?? o.artifacts.kafka },
      readyTimeoutSeconds: o.readyTimeoutSeconds,
    }),
};

export { Cluster, type ClusterStartOptions } from "./cluster.ts";
