// The iptables rules that route one directed link between nodes through its Toxiproxy proxy, run
// in the `from` node's network namespace. New connections to `to`'s port are rewritten (nat
// OUTPUT, DNAT) to the proxy, which connects on to `to`; connections opened before, which the
// rewrite cannot reach, are reset (filter OUTPUT sees only them: a rewritten packet is already
// addressed to the proxy), so the node reconnects through the proxy at once. Every rule carries
// the comment below, by which leak checks find what is left. Pure.

export const PEER_RULE_COMMENT = "kc-peer-link";

function rules(toIp: string, port: number, proxyIp: string, proxyPort: number): string[][] {
  const match = `-p tcp -d ${toIp} --dport ${port} -m comment --comment ${PEER_RULE_COMMENT}`;
  return [
    ["-t nat", `OUTPUT ${match} -j DNAT --to-destination ${proxyIp}:${proxyPort}`],
    ["", `OUTPUT ${match} -j REJECT --reject-with tcp-reset`],
  ];
}

/** The script that routes the link through the proxy (idempotent: a rule already there is not added twice). */
export function redirectScript(toIp: string, port: number, proxyIp: string, proxyPort: number): string {
  return rules(toIp, port, proxyIp, proxyPort)
    .map(([table, rule]) => `iptables -w ${table} -C ${rule} 2>/dev/null || iptables -w ${table} -A ${rule}`.replace(/ {2,}/g, " "))
    .join(" && ");
}

/** The script that makes the link direct again (idempotent: a rule already gone is fine). */
export function unredirectScript(toIp: string, port: number, proxyIp: string, proxyPort: number): string {
  return rules(toIp, port, proxyIp, proxyPort)
    .map(([table, rule]) => `while iptables -w ${table} -D ${rule} 2>/dev/null; do :; done`.replace(/ {2,}/g, " "))
    .join("; ");
}

/** Lists the peer-link rules in force in a namespace, one per line (nat and filter). */
export const LIST_PEER_RULES = `{ iptables -w -t nat -S OUTPUT; iptables -w -S OUTPUT; } | grep ${PEER_RULE_COMMENT} || true`;
