// kafkajs 2.2.4 arms timers with negative durations on Node >= 22 (harmless: Node clamps them
// to 1 ms). Importing this module keeps that one warning off the terminal; every other warning
// prints as usual.
process.removeAllListeners("warning");
process.on("warning", (w) => {
  if (w.name !== "TimeoutNegativeWarning") console.error(`${w.name}: ${w.message}`);
});
