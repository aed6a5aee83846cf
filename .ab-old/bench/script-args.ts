/**
 * Argument parsing for the bench, fuzz and kill scripts: node:util's parseArgs, plus `--help`
 * (the usage on stdout, exit 0) and, for an unknown option, a missing value or a stray argument,
 * the error and the usage on stderr with exit code 2 instead of a stack trace.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** `usage: COMMAND [--name <value> (default …)] [--flag] …`, one option per line. */
export function usageOf(command: string, options: Options): string {
  const lines = Object.entries(options).map(([name, option]) => {
    const value = option.type === "string" ? " <value>" : "";
    const repeat = option.multiple === true ? " (repeatable)" : "";
    const fallback = option.default === undefined ? "" : ` (default ${JSON.stringify(option.default)})`;
    return `  --${name}${value}${repeat}${fallback}`;
  });
  return [`usage: ${command} [options]`, ...lines].join("\n");
}

/** parseArgs(config) over process.argv, exiting with the usage on `--help` (0) or bad arguments (2). */
export function scriptArgs<T extends ParseArgsConfig & { options: Options }>(command: string, config: T): ReturnType<typeof parseArgs<T>> {
  const usage = usageOf(command, config.options);
  const args = config.args ?? process.argv.slice(2);
  if (args.includes("--help") || args.includes("-h")) {
    console.log(usage);
    process.exit(0);
  }
  try {
    return parseArgs<T>({ ...config, args } as T); // the same config, with args made explicit
  } catch (error) {
    if (!(error instanceof TypeError) || !String((error as { code?: unknown }).code).startsWith("ERR_PARSE_ARGS")) throw error;
    console.error(`${error.message}\n${usage}`);
    process.exit(2);
  }
}
