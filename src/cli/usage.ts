/** Usage errors (exit code 2) and the help text. */

/** A bad command line: printed with the usage text, exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** The CLI's help text. */
export const USAGE = `Usage: arrayrecord <command> [options]

Commands:
  info FILE... [--json]                       record count, chunks, group size, writer options, size
  cat FILE [--range A:B] [--format F]         print records; F = text|hex|base64|jsonl|length-prefixed
  write OUT [--options STR] [--input-format lines|length-prefixed]
                                              write records read from stdin
  verify FILE...                              check every hash, chunk and footer entry

Options for every command:
  --debug     print stack traces of errors
  --help      show this help
  --version   print the version

--range A:B is half-open like readRange; either side may be left out (":10", "5:").
--options takes an ArrayRecord writer options string, e.g. "group_size:64,zstd:3".`;
