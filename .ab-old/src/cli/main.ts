/** The `arrayrecord` command line: dispatches to one module per command. */
import { createRequire } from "node:module";
import { isArrayRecordError } from "../format/errors.js";
import "../storage/register.js"; // every path argument may be an s3://, gs:// or http(s):// URL
import { cat } from "./commands/cat.js";
import { info } from "./commands/info.js";
import { verify } from "./commands/verify.js";
import { write } from "./commands/write.js";
import { USAGE, UsageError } from "./usage.js";

/** `import` and `export` load apache-arrow, so they are loaded on first use: the other commands start faster. */
const importCommand = async (args: string[]): Promise<number> => (await import("./commands/import.js")).importCommand(args);
const exportCommand = async (args: string[]): Promise<number> => (await import("./commands/export.js")).exportCommand(args);
/** `convert` and `count` run Beam pipelines (apache-beam is an optional peer dependency): loaded on use. */
const convertCommand = async (args: string[]): Promise<number> => (await import("./commands/convert.js")).convert(args);
const countCommand = async (args: string[]): Promise<number> => (await import("./commands/count.js")).count(args);
/** `worker-pool` serves Beam SDK workers until a signal (apache-beam and gRPC loaded on use). */
const workerPoolCommand = async (args: string[]): Promise<number> => (await import("./commands/worker-pool.js")).workerPool(args);
const headCommand = async (args: string[]): Promise<number> => (await import("./commands/head.js")).head(args);

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  info,
  cat,
  write,
  verify,
  import: importCommand,
  export: exportCommand,
  convert: convertCommand,
  head: headCommand,
  count: countCommand,
  "worker-pool": workerPoolCommand,
};

/** Runs the CLI with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes("--debug");
  const args = argv.filter((a) => a !== "--debug");
  if (args.length === 0 || args[0] === "--help" || args[0] === "-h" || args[0] === "help") {
    (args.length === 0 ? process.stderr : process.stdout).write(USAGE + "\n");
    return args.length === 0 ? 2 : 0;
  }
  if (args[0] === "--version") {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  const command = COMMANDS[args[0]!];
  if (command === undefined) return usageError(`unknown command ${JSON.stringify(args[0])}`);
  if (args.includes("--help")) {
    process.stdout.write(USAGE + "\n");
    return 0;
  }
  try {
    return await command(args.slice(1));
  } catch (e) {
    if (e instanceof UsageError || isParseArgsError(e)) return usageError((e as Error).message);
    if (isBrokenPipe(e)) return 0;
    process.stderr.write(`arrayrecord: ${isArrayRecordError(e) ? `${e.code}: ${e.message}` : (e as Error).message}\n`);
    if (debug) process.stderr.write(`${(e as Error).stack}\n`);
    return 1;
  }
}

function usageError(message: string): number {
  process.stderr.write(`arrayrecord: ${message}\n\n${USAGE}\n`);
  return 2;
}

function isParseArgsError(e: unknown): boolean {
  const code = (e as { code?: string }).code;
  return typeof code === "string" && code.startsWith("ERR_PARSE_ARGS");
}

function isBrokenPipe(e: unknown): boolean {
  return (e as { code?: string }).code === "EPIPE";
}

function version(): string {
  const require = createRequire(import.meta.url);
  return (require("../../package.json") as { version: string }).version;
}
