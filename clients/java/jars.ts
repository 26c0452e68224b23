// The official Java client (org.apache.kafka:kafka-clients) at a chosen version, with its runtime
// dependencies, resolved from Maven Central into the cache once: $KC_CACHE/clients/java@<v>/libs.
import fs from "node:fs";
import path from "node:path";
import { cacheDir } from "../../core/cache.ts";
import { KcError } from "../../core/errors.ts";
import { component } from "../../core/log.ts";
import { commandExists, run } from "../../core/proc.ts";

const pom = (version: string) => `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>io.kafka-chaos</groupId><artifactId>java-client</artifactId><version>1</version>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-clients</artifactId><version>${version}</version></dependency>
  </dependencies>
</project>
`;

/** Where kafka-clients `version` and its dependencies are kept. */
export const javaClientDir = (version: string): string => path.join(cacheDir(), "clients", `java@${version}`);

/** The classpath of kafka-clients `version` (resolved on first use). */
export async function kafkaClientsClasspath(version: string): Promise<string> {
  const dir = javaClientDir(version);
  const libs = path.join(dir, "libs");
  const classpath = () => path.join(libs, "*");
  if (fs.existsSync(path.join(dir, ".complete"))) return classpath();
  for (const tool of ["mvn", "java"]) {
    if (!(await commandExists(tool))) {
      throw new KcError("KC_JAVA_CLIENT", `--client java needs ${tool === "mvn" ? "Maven (mvn), once, to resolve kafka-clients from Maven Central" : "a JDK (java) to run its sidecar"}`, {
        hint: "apt-get install maven openjdk-17-jdk-headless (scripts/setup.sh installs both), or use --client kafkajs",
      });
    }
  }
  const log = component("java");
  log.info(`resolving kafka-clients ${version} from Maven Central`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "pom.xml"), pom(version));
  const r = await run("mvn", ["-q", "-B", "-f", path.join(dir, "pom.xml"), "dependency:copy-dependencies", `-DoutputDirectory=${libs}`, "-DincludeScope=runtime"], { tail: 20, onLine: (l) => log.debug(l) });
  if (r.code !== 0) {
    fs.rmSync(dir, { recursive: true, force: true });
    const out = r.lastLines.join("\n");
    if (/Could not find artifact|could not be resolved/.test(out)) {
      throw new KcError("KC_CLIENT_VERSION", `Maven Central has no kafka-clients ${version}`, { hint: "kafka-clients is released with Kafka: use a Kafka release number, e.g. java@3.9.1 or java@4.1.1" });
    }
    throw new KcError("KC_CLIENT_INSTALL", `mvn could not resolve kafka-clients ${version} (exit ${r.code}): ${r.lastLines.slice(-3).join(" / ")}`, { hint: "check that Maven Central is reachable (mvn settings, proxy)" });
  }
  fs.writeFileSync(path.join(dir, ".complete"), new Date().toISOString());
  return classpath();
}
