// Several processes sharing one producer (--processes-per-client), with the Java and confluent
// clients (npm run test:slow, and the nightly job; the kafkajs case runs in the default tests, in
// test/integration/workload.test.ts): sends of one group are in flight together, and the brokers
// see one producer id per group.
import { beforeAll, describe, it } from "vitest";
import { loadClientLibrary } from "../../clients/library.ts";
import { sharedProducerRun, useWorkloadCluster } from "../integration/workload-support.ts";

const run = useWorkloadCluster();
beforeAll(async () => {
  await loadClientLibrary({ name: "java" });
}, 300_000);

describe("queue with 8 processes sharing 2 idempotent producers (--processes-per-client 4)", () => {
  for (const client of ["java", "confluent"] as const) {
    it(`${client}: sends in flight together, one producer id per group`, async () => {
      await sharedProducerRun(run, client, client === "java" ? "kj" : "kc");
    }, 600_000);
  }
});
