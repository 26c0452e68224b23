// A cluster started from code, the way testcontainers users expect it: a builder whose start()
// returns a started handle (AsyncDisposable, idempotent stop). The same deployment and broker
// product a test run uses; node logs and configs go to `runDir` (a fresh temporary directory
// unless given), which is kept after stop for reading.
//
//   await using cluster = await new KafkaCluster().withBrokers(3).withMode("kraft").start();
//   new Kafka({ brokers: cluster.bootstrap })...
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { deploymentNamed, type StartedCluster } from "../deployments/index.ts";
import { apacheKafka } from "../products/kafka/index.ts";
import type { ClusterOptions, Mode } from "../products/kafka/topology.ts";
import { defaultConfig } from "./config.ts";
import { runIdOf } from "./run.ts";

export type StartedKafkaCluster = StartedCluster & {
  /** Where node logs (nodes/<node>/container.log) and generated configs are. */
  readonly runDir: string;
};

export class KafkaCluster {
  private options: ClusterOptions;
  private deployment = "docker";
  private images: { kafka?: string; toxiproxy?: string } = {};
  private runDir?: string;
  private readyTimeoutSeconds?: number;
  private settings: { kubeconfig?: string; namespace?: string } = {};

  constructor() {
    const d = defaultConfig();
    this.options = { ...d.cluster, brokerConfig: {}, mode: d.kafka.mode, kafkaVersion: d.kafka.version };
  }

  withBrokers(n: number): this {
    this.options.brokers = n;
    return this;
  }
  /** "zookeeper" (default, Kafka 3.x) or "kraft". */
  withMode(mode: Mode): this {
    this.options.mode = mode;
    return this;
  }
  withKafkaVersion(version: string): this {
    this.options.kafkaVersion = version;
    return this;
  }
  withZookeepers(n: 1 | 3): this {
    this.options.zookeepers = n;
    return this;
  }
  withControllers(n: number): this {
    this.options.controllers = n;
    return this;
  }
  /** KRaft: every broker is also a controller. */
  withCombined(combined = true): this {
    this.options.combined = combined;
    return this;
  }
  /** Every node's data dir on kc-lazyfs: writes never fsynced are lost on a power cut (`powerCut`). */
  withLazyfs(on = true): this {
    this.options.lazyfs = on;
    return this;
  }
  /** Every node's processes read the wall clock through kc-clock, which `setClock` moves. */
  withClockLayer(on = true): this {
    this.options.clockLayer = on;
    return this;
  }
  withBrokerConfig(key: string, value: string): this {
    this.options.brokerConfig[key] = value;
    return this;
  }
  /** Use this image for the nodes (e.g. apache/kafka:3.9.1) instead of building one. */
  withKafkaImage(image: string): this {
    this.images.kafka = image;
    return this;
  }
  withDeployment(name: string): this {
    this.deployment = name;
    return this;
  }
  /** Kubernetes: the kubeconfig (default $KUBECONFIG, then the local cluster's) and namespace (default kc-<run id>). */
  withKubernetes(settings: { kubeconfig?: string; namespace?: string }): this {
    this.deployment = "kubernetes";
    this.settings = { ...settings };
    return this;
  }
  withRunDir(dir: string): this {
    this.runDir = dir;
    return this;
  }
  withReadyTimeout(seconds: number): this {
    this.readyTimeoutSeconds = seconds;
    return this;
  }

  /** Builds or finds the images, starts every node and waits until the cluster is ready. */
  async start(): Promise<StartedKafkaCluster> {
    const deployment = deploymentNamed(this.deployment);
    await deployment.preflight(this.settings);
    const artifacts = await deployment.prepare({ kafkaVersion: this.options.kafkaVersion, images: this.images, settings: this.settings });
    const runDir = this.runDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "kafka-chaos-cluster-"));
    fs.mkdirSync(path.join(runDir, "nodes"), { recursive: true });
    const runId = runIdOf("lib", path.basename(runDir), Date.now().toString(36));
    const options = structuredClone(this.options);
    const cluster = await deployment.start({ runId, runDir, options, product: apacheKafka(options), artifacts, readyTimeoutSeconds: this.readyTimeoutSeconds, settings: this.settings });
    return Object.assign(cluster, { runDir });
  }
}
