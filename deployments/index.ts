// The deployment registry: `--deployment` names map to deployments. Adding one (Kubernetes,
// remote hosts) is one folder and one entry here.
import type { Deployment } from "./deployment.ts";
import { dockerDeployment } from "./docker/index.ts";

export const DEPLOYMENTS: Record<string, Deployment> = {
  docker: dockerDeployment,
};

export type { Artifacts, Deployment, DeploymentStartOptions, StartedCluster } from "./deployment.ts";
