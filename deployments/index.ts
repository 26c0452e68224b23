// The deployment registry: `--deployment` names map to deployments. Adding one (remote hosts)
// is one folder and one entry here.
import { KcError } from "../core/errors.ts";
import type { Deployment } from "./deployment.ts";
import { dockerDeployment } from "./docker/index.ts";
import { kubernetesDeployment } from "./kubernetes/index.ts";

export const DEPLOYMENTS: Record<string, Deployment> = {
  docker: dockerDeployment,
  kubernetes: kubernetesDeployment,
};

/** The deployment of that name, or a KcError listing the ones there are. */
export function deploymentNamed(name: string): Deployment {
  const d = DEPLOYMENTS[name];
  if (!d) throw new KcError("KC_BAD_FLAG", `unknown deployment ${JSON.stringify(name)}`, { hint: `use one of ${Object.keys(DEPLOYMENTS).join(", ")}` });
  return d;
}

export type { Artifacts, Deployment, DeploymentSettings, DeploymentStartOptions, StartedCluster } from "./deployment.ts";
