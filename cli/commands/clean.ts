// `npm run clean`: removes what crashed runs left behind (only resources with the project's
// label whose harness process is gone); `--all` removes every labelled container and network.
import { parseArgs } from "node:util";
import { KcError } from "../../core/errors.ts";
import { assertDockerRunning, labelledRuns, removeLabelled, removeLeftovers } from "../../deployments/docker/docker.ts";
import { log } from "../../core/log.ts";
import { kubernetesDeployment } from "../../deployments/kubernetes/index.ts";

export async function cleanCommand(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: { all: { type: "boolean" } } }));
  } catch (err) {
    throw new KcError("KC_BAD_FLAG", (err as Error).message, { hint: "usage: npm run clean -- [--all]" });
  }
  await assertDockerRunning();
  if (values.all) {
    const runs = await labelledRuns();
    const r = await removeLabelled();
    log().info(`removed ${r.containers} container(s) and ${r.networks} network(s) of ${runs.length} run(s)`);
    return 0;
  }
  const gone = await removeLeftovers();
  const live = (await labelledRuns()).filter((r) => !r.gone);
  log().info(gone.length ? `removed leftovers of ${gone.length} crashed run(s): ${gone.join(", ")}` : "no leftovers of crashed runs");
  if (live.length) log().info(`left alone ${live.length} run(s) whose harness is still running: ${live.map((r) => r.run).join(", ")} (--all removes them too)`);
  // Kubernetes: the namespaces of this host's crashed runs, on the cluster of $KUBECONFIG or the
  // local one, when one answers (a Kubernetes run removes them at its start too).
  const k8s = await kubernetesDeployment.preflight().then(
    (ns) => (ns.length ? `removed ${ns.join(", ")}` : "no leftovers"),
    (e: Error) => `not checked (${e.message})`,
  );
  log().info(`Kubernetes: ${k8s}`);
  return 0;
}
