/**
 * Beam's Flink job server, run from the jars `npm run setup:engines` puts into the package's
 * `engines/flink/lib` (Maven Central has no prebuilt job-server jar for Beam 2.49, so it runs from
 * the runner artifact's classpath). `[local]` runs an embedded Flink cluster inside that JVM.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { ArrayRecordError } from "../format/errors.js";
import { flinkJavaToolOptions, javaCommand, javaMajorVersion } from "./java.js";
import { spawnTethered, type TetheredProcess } from "./tethered-process.js";

/** The job server's main class, in beam-runners-flink-1.15-2.49.0.jar. */
export const FLINK_JOB_SERVER_MAIN = "org.apache.beam.runners.flink.FlinkJobServerDriver";

/** The Flink version the job server embeds (pinned in engines/pom.xml). */
export const FLINK_VERSION = "1.15.0";

/** Where `npm run setup:engines` puts the job server's jars: `<package>/engines/flink/lib`, found from this file, never the cwd. */
export function defaultFlinkClasspathDir(): string {
  // src/runners/*.ts and dist/runners/*.js are both two levels below the package root.
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "engines", "flink", "lib");
}

/** Options of {@link FlinkJobServer.start}. */
export interface FlinkJobServerOptions {
  /** Folder of the job server's jars; default `ARRAYRECORD_FLINK_LIB` or {@link defaultFlinkClasspathDir}. */
  classpathDir?: string;
  /** `--flink-master`; default `[local]` (an embedded cluster in the job server's JVM). */
  flinkMaster?: string;
  /** How long a cold JVM may take to open the job port; default 180 s. */
  startTimeoutMs?: number;
  /** Where the JVM's output goes; default a file in the OS temp folder (its path is in the errors). */
  logFile?: string;
}

/**
 * A running job server (one JVM). It dies with this process however that ends (SIGKILL too): it
 * runs tethered (`tethered-process.ts`).
 */
export class FlinkJobServer {
  private constructor(
    private readonly child: TetheredProcess,
    /** The JVM's process id. */
    readonly pid: number,
    /** `host:port` of its job service. */
    readonly endpoint: string,
    /** The file its output goes to. */
    readonly logFile: string,
  ) {}

  /** Starts a job server and waits until its job service listens. */
  static async start(options: FlinkJobServerOptions = {}): Promise<FlinkJobServer> {
    const dir = options.classpathDir ?? process.env["ARRAYRECORD_FLINK_LIB"] ?? defaultFlinkClasspathDir();
    if (!fs.existsSync(path.join(dir, "beam-runners-flink-1.15-2.49.0.jar"))) {
      throw new ArrayRecordError("UNSUPPORTED", `--runner flink needs Beam's Flink job server in ${dir}: run \`npm run setup:engines\` in the arrayrecord package (needs Maven and Java)`);
    }
    const java = javaCommand();
    const major = javaMajorVersion(java);
    if (major < 11) throw new ArrayRecordError("UNSUPPORTED", `--runner flink needs Java 11 or newer, found Java ${major}`);
    const logFile = options.logFile ?? path.join(fs.mkdtempSync(path.join(fs.realpathSync(process.env["TMPDIR"] ?? "/tmp"), "arrayrecord-flink-")), "job-server.log");
    const log = fs.openSync(logFile, "a");
    // Tethered: the JVM never keeps this process alive, and dies with it (or by stop()).
    const child = spawnTethered(
      java,
      ["-Dorg.slf4j.simpleLogger.showDateTime=true", "-cp", path.join(dir, "*"), FLINK_JOB_SERVER_MAIN, "--flink-master", options.flinkMaster ?? "[local]", "--job-host", "localhost", "--job-port", "0", "--artifact-port", "0", "--expansion-port", "0"],
      { env: { ...process.env, JAVA_TOOL_OPTIONS: flinkJavaToolOptions() }, output: log },
    );
    fs.closeSync(log);
    try {
      const pid = await child.pid;
      const endpoint = await waitForEndpoint(child, logFile, options.startTimeoutMs ?? 180_000);
      return new FlinkJobServer(child, pid, endpoint, logFile);
    } catch (e) {
      await child.stop();
      throw e;
    }
  }

  /** Stops the JVM (SIGTERM, then SIGKILL after 10 s) and waits for it to exit. */
  async stop(): Promise<void> {
    await this.child.stop();
  }
}

/** Polls the log until the job server says where its job service listens. */
async function waitForEndpoint(child: TetheredProcess, logFile: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = fs.readFileSync(logFile, "utf8");
    const match = /JobService started on (\S+)/.exec(text);
    if (match !== null) return match[1]!;
    const guard = child.guard;
    if (guard.exitCode !== null || guard.signalCode !== null) {
      throw new ArrayRecordError("IO", `the Flink job server exited (${guard.exitCode ?? guard.signalCode}) before listening; its output: ${logFile}\n${text.slice(-2000)}`);
    }
    if (Date.now() > deadline) throw new ArrayRecordError("IO", `the Flink job server did not listen within ${timeoutMs / 1000} s; its output: ${logFile}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

let shared: Promise<FlinkJobServer> | undefined;

/**
 * One job server per process, started on first use and stopped when the process exits: jobs of a
 * CLI run, a test file or a benchmark reuse it (a cold start costs ~10 s).
 */
export function sharedFlinkJobServer(options: FlinkJobServerOptions = {}): Promise<FlinkJobServer> {
  if (shared === undefined) {
    shared = FlinkJobServer.start(options);
    shared.then(
      (server) => process.once("exit", () => server.stop()),
      () => (shared = undefined),
    );
  }
  return shared;
}

/** Stops the shared job server, if one was started. */
export async function stopSharedFlinkJobServer(): Promise<void> {
  const server = shared;
  shared = undefined;
  if (server !== undefined) await (await server.catch(() => undefined))?.stop();
}
