/** Finding Java and the flags Flink 1.15 needs on Java 17. */
import { spawnSync } from "node:child_process";
import { ArrayRecordError } from "../format/errors.js";

/**
 * `--add-opens` flags for Flink ≤ 1.16 (built for Java 8/11) on Java 17: Flink's closure cleaner,
 * Kryo and its memory manager reflect into these packages and fail with
 * InaccessibleObjectException without them. Passed through `JAVA_TOOL_OPTIONS`.
 */
export const FLINK_JAVA_FLAGS: readonly string[] = [
  "java.base/java.util",
  "java.base/java.util.concurrent",
  "java.base/java.lang",
  "java.base/java.lang.reflect",
  "java.base/java.io",
  "java.base/java.net",
  "java.base/java.nio",
  "java.base/java.time",
  "java.base/sun.nio.ch",
].map((pkg) => `--add-opens=${pkg}=ALL-UNNAMED`);

/** The `java` to run: `$JAVA_HOME/bin/java` when JAVA_HOME is set, else `java` from PATH. */
export function javaCommand(env: NodeJS.ProcessEnv = process.env): string {
  return env["JAVA_HOME"] ? `${env["JAVA_HOME"]}/bin/java` : "java";
}

/** The major version of `java` (e.g. 17), or a clear error when there is no Java. */
export function javaMajorVersion(java = javaCommand()): number {
  const result = spawnSync(java, ["-version"], { encoding: "utf8", timeout: 30_000 });
  if (result.error !== undefined || result.status !== 0) {
    throw new ArrayRecordError("UNSUPPORTED", `--runner flink needs Java 11 or newer: \`${java} -version\` failed (${result.error?.message ?? result.stderr.trim()}); install a JDK or set JAVA_HOME`);
  }
  const match = /version "(?:1\.)?(\d+)/.exec(result.stderr);
  if (match === null) throw new ArrayRecordError("UNSUPPORTED", `cannot read the Java version from: ${result.stderr.trim()}`);
  return Number(match[1]);
}

/** `JAVA_TOOL_OPTIONS` with {@link FLINK_JAVA_FLAGS} added to what the environment already sets. */
export function flinkJavaToolOptions(env: NodeJS.ProcessEnv = process.env): string {
  return [env["JAVA_TOOL_OPTIONS"] ?? "", ...FLINK_JAVA_FLAGS].join(" ").trim();
}
