/** Usage errors (exit code 2) and the help text. */

/** A bad command line: printed with the usage text, exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** The CLI's help text. */
export const USAGE = `Usage: arrayrecord <command> [options]

Commands:
  info FILE... [--json]                       record count, chunks, group size, writer options, size, data bytes, chunk types
  cat FILE [--range A:B] [--format F]         print records; F = text|hex|base64|jsonl|length-prefixed|example-json
  write OUT [--options STR] [--input-format lines|length-prefixed]
                                              write records read from stdin
  verify FILE...                              check every hash, chunk and footer entry
  verify --recover OUT FILE                   write the records of a damaged FILE that verify, in
                                              order, to OUT and print what was lost (exit 1 if any)
  import --from tfrecord|arrow IN OUT [--options STR] [--as L] [--column NAME] [--compression C]
                                              convert a TFRecord file or an Arrow IPC file/stream
                                              into one ArrayRecord file
  export FILE_OR_PATTERN --to arrow|tfrecord OUT [--as L] [--column NAME] [--compression C]
                                              convert an ArrayRecord file, or the shards a quoted
                                              glob pattern matches (in shard order), into one Arrow
                                              IPC file or TFRecord file
  convert --from tfrecord|arrow --input PATTERN --output PREFIX [--num-shards N | --match-shards]
          [--options STR] [--suffix S] [--as batches|examples] [--runner NAME]
          [--parallelism N] [--worker-processes N] [--compression C]
                                              run the Beam conversion pipeline into sharded files
                                              PREFIX-00000-of-0000N+S (direct runner by default)
  head PATTERN [-n K] [--format F]            the first K records of the shards, in shard order
  count PATTERN [--runner NAME] [--parallelism N] [--worker-processes N]
                                              count records by reading them through the Beam source
  worker-pool [--address HOST:PORT] [--stop-timeout S]
                                              serve Beam SDK workers for Flink (an external worker
                                              pool: one Node process per StartWorker) until SIGINT or
                                              SIGTERM; prints the endpoint; default localhost:0

Options for every command:
  --debug     print stack traces of errors
  --help      show this help
  --version   print the version

--range A:B is half-open like readRange; either side may be left out (":10", "5:").
--options takes an ArrayRecord writer options string, e.g. "group_size:64,zstd:3".
--format example-json prints each record, a tf.train.Example, as one JSON line.
--runner flink runs on Apache Flink (an embedded [local] cluster; needs Java 11+ and
\`npm run setup:engines\`); --worker-processes N runs bundles in N Node worker processes
(default 0: LOOPBACK, every bundle in this process); --parallelism N sets Flink's parallelism.

Conversions (import/export) write their output atomically. A TFRecord file read is plain,
GZIP or ZLIB as its first bytes say (a valid plain header, else GZIP magic, else a ZLIB
header), whatever its name; a TFRecord file written is GZIP when its name ends in .gz.
--compression none|gzip|zlib (TFRecord only) overrides both. --as L says how Arrow rows and records correspond (Arrow only):
  batches   each RecordBatch is one record, an Arrow IPC stream (default)
  binary    the values of one Binary column are the records: --column NAME (default record)
  examples  each row is one serialized tf.train.Example, one column per feature`;
