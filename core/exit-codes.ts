// Every exit code the harness gives, in one place (docs/design.md): a run's or a check's verdict,
// and harness errors (a bad flag, no Docker, a node that never became ready, ...).
export const EXIT = {
  /** No anomaly that counts in the run's mode. */
  valid: 0,
  /** Anomalies that count: the system under test broke a guarantee. */
  invalid: 1,
  /** The history cannot support a verdict (too little exercised, a checker crashed). */
  unknown: 2,
  /** The harness could not do its work; the message says why and what to do. */
  harnessError: 3,
} as const;

export const EXIT_HARNESS_ERROR = EXIT.harnessError;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Exit code for a verdict: true valid, false invalid, "unknown". */
export const exitCodeForVerdict = (v: boolean | "unknown"): ExitCode => (v === true ? EXIT.valid : v === false ? EXIT.invalid : EXIT.unknown);

/** The worst of several outcomes decides: harness error > unknown > invalid > valid. */
export function worstExitCode(codes: readonly number[]): number {
  const rank = (code: number) => (code === EXIT.valid ? 0 : code === EXIT.invalid ? 1 : code === EXIT.unknown ? 2 : 3);
  return [...codes].sort((a, b) => rank(b) - rank(a))[0] ?? EXIT.harnessError;
}

/** The line `--help` texts print. */
export const EXIT_CODES_HELP = `exit codes: ${EXIT.valid} valid, ${EXIT.invalid} anomalies found (invalid), ${EXIT.unknown} unknown, ${EXIT.harnessError} harness error`;
