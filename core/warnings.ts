// kafkajs 2.2.4 arms timers with negative durations on Node >= 22 (harmless: Node clamps them
// to 1 ms). `quietNegativeTimeoutWarnings()` keeps that one warning off the terminal; every other
// warning prints as usual. A process-wide change, so only programs opt in (the CLI, benchmarks):
// importing this module, or the library, changes nothing.
let installed = false;

export function quietNegativeTimeoutWarnings(): void {
  if (installed) return;
  installed = true;
  process.removeAllListeners("warning");
  process.on("warning", (w) => {
    if (w.name !== "TimeoutNegativeWarning") console.error(`${w.name}: ${w.message}`);
  });
}
