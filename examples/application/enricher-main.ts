// The enricher's entry point in its container (./container/Dockerfile): the same service code as
// in process, with its ops reported on stdout for kafka-chaos (recorderFromEnv) and the addresses
// and topics the harness passes in the environment. `enricher-main.ts buggy` runs the buggy one.
// SIGTERM stops it cleanly; SIGKILL is what it must survive.
import { recorderFromEnv } from "kafka-chaos/recorder";
import { startEnricher } from "./enricher.ts";
import { startBuggyEnricher } from "./enricher-buggy.ts";

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};

const start = process.argv[2] === "buggy" ? startBuggyEnricher : startEnricher;
const stop = await start({ bootstrap: env("KC_BOOTSTRAP").split(","), record: recorderFromEnv(), input: env("KC_INPUT"), output: env("KC_OUTPUT") });
console.log("enricher running");
process.once("SIGTERM", () => {
  console.log("enricher stopping");
  void stop().finally(() => process.exit(0));
});
