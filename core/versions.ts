// Release numbers (Kafka, client libraries): X.Y.Z with an optional -pre-release, compared numerically.

/** Compares X.Y.Z[-pre] versions numerically; a pre-release sorts before its release. */
export function compareVersions(a: string, b: string): number {
  const [an, ap] = a.split("-", 2);
  const [bn, bp] = b.split("-", 2);
  const as = an.split(".").map(Number);
  const bs = bn.split(".").map(Number);
  for (let i = 0; i < 3; i++) if (as[i] !== bs[i]) return (as[i] ?? 0) - (bs[i] ?? 0);
  if (ap === bp) return 0;
  if (ap === undefined) return 1;
  if (bp === undefined) return -1;
  return ap < bp ? -1 : 1;
}
