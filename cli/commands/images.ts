// `npm run images`: builds the images for every Kafka version (or the ones named) and tansu's,
// reusing what is present.
import { parseArgs } from "node:util";
import { KcError } from "../../core/errors.ts";
import { ensureImages, KAFKA_VERSIONS } from "../../deployments/docker/images.ts";
import { ensureTansuImage } from "../../deployments/docker/tansu-image.ts";
import { TANSU_VERSIONS } from "../../products/tansu/index.ts";
import { assertDockerRunning } from "../../deployments/docker/docker.ts";
import { log } from "../../core/log.ts";

export async function imagesCommand(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: { "kafka-version": { type: "string", multiple: true }, "no-tansu": { type: "boolean" }, force: { type: "boolean" } } }));
  } catch (err) {
    throw new KcError("KC_BAD_FLAG", (err as Error).message, { hint: "usage: npm run images -- [--kafka-version 3.9.1] [--no-tansu] [--force]" });
  }
  await assertDockerRunning();
  const versions = values["kafka-version"] ?? [...KAFKA_VERSIONS];
  const started = Date.now();
  for (const v of versions) {
    const images = await ensureImages({ kafkaVersion: v, force: values.force });
    log().info(`Kafka ${v}: ${images.kafka}, ${images.toxiproxy}, helper ${images.net}`);
  }
  // tansu's image (cargo build once, about 12 minutes) unless asked for Kafka versions only.
  if (!values["no-tansu"] && !values["kafka-version"]) for (const v of TANSU_VERSIONS) log().info(`tansu ${v}: ${await ensureTansuImage(v, values.force)}`);
  log().info(`images ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return 0;
}
