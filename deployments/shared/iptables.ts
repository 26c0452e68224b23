// Network partitions as iptables rules: a node drops traffic from the peers its grudge names,
// on INPUT of its own network namespace. Every deployment runs this script in the node's
// namespace its own way (Docker: nsenter or a helper container; Kubernetes: the fault agent).
import { grudgeEntry } from "../../core/faults.ts";

/** The iptables commands that make a node drop traffic from the given peer IPs (`ip` or `ip:port`). */
export function iptablesScript(dropFrom: string[]): string {
  const lines = ["iptables -w -F INPUT"];
  for (const e of dropFrom) {
    const { peer, port } = grudgeEntry(e);
    lines.push(port === undefined ? `iptables -w -A INPUT -s ${peer} -j DROP` : `iptables -w -A INPUT -s ${peer} -p tcp --dport ${port} -j DROP`);
  }
  return lines.join(" && ");
}
