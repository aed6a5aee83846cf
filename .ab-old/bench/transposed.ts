/**
 * Throughput of transposed chunks against simple chunks (same compression, same records) and,
 * when the oracle environment exists, against Google's C++ library through its Python wheel in
 * the same run. Records: the golden `example` generator (tf.Example protos). Median of 3, in
 * process CPU time (user + system; Python: time.process_time), so a busy machine skews less.
 *
 *   npm run bench:transposed                       # 20,000 records, group_size:64
 *   npm run bench:transposed -- --records 50000 --group 256
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { scriptArgs } from "./script-args.js";
import { ArrayRecordReader, MemoryByteSource, encodeArrayRecord } from "../src/index.js";
import { exampleRecords } from "../test/helpers/generators.js";
import { median } from "./stats.js";

const { values } = scriptArgs("npm run bench:transposed --", { options: { records: { type: "string", default: "20000" }, group: { type: "string", default: "64" } } });
const records = exampleRecords(3, Number(values.records));
const totalBytes = records.reduce((n, r) => n + r.length, 0);
const COMPRESSIONS = ["uncompressed", "zstd:3", "brotli:6", "snappy"];

/** Median CPU seconds of three runs. */
function medianCpuSeconds(run: () => void): number {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const start = process.cpuUsage();
    run();
    const used = process.cpuUsage(start);
    times.push((used.user + used.system) / 1e6);
  }
  return median(times);
}

const mbps = (seconds: number) => (totalBytes / 1e6 / seconds).toFixed(1);

interface Row {
  options: string;
  fileBytes: number;
  encodeMBs: string;
  decodeMBs: string;
}

const rows: Row[] = [];
for (const compression of COMPRESSIONS) {
  for (const transpose of [false, true]) {
    const options = `group_size:${values.group},${compression}${transpose ? ",transpose:true" : ""}`;
    let file: Uint8Array = new Uint8Array(0);
    const encode = medianCpuSeconds(() => (file = encodeArrayRecord(records, options)));
    const decode = medianCpuSeconds(() => {
      const reader = ArrayRecordReader.openSync(new MemoryByteSource(file));
      if (reader.readAllSync().length !== records.length) throw new Error("wrong record count");
    });
    rows.push({ options, fileBytes: file.length, encodeMBs: mbps(encode), decodeMBs: mbps(decode) });
  }
}

console.log(`${records.length} example records, ${(totalBytes / 1e6).toFixed(2)} MB, median of 3 (MB/s of record bytes per CPU second)`);
console.log("ours:");
console.table(rows);

const python = path.join(process.cwd(), ".venv-oracles", "bin", "python");
if (fs.existsSync(python)) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-transposed-"));
  const input = path.join(dir, "input.records");
  const lengths = Buffer.alloc(4);
  const fd = fs.openSync(input, "w");
  for (const r of records) {
    lengths.writeUInt32LE(r.length);
    fs.writeSync(fd, lengths);
    fs.writeSync(fd, r);
  }
  fs.closeSync(fd);
  const script = `
import json, struct, sys, time
from array_record.python.array_record_module import ArrayRecordReader, ArrayRecordWriter
data = open(sys.argv[1], "rb").read()
records, at = [], 0
while at < len(data):
    (n,) = struct.unpack_from("<I", data, at)
    records.append(data[at + 4 : at + 4 + n])
    at += 4 + n
out = []
for options in json.loads(sys.argv[3]):
    path = sys.argv[2]
    def write():
        w = ArrayRecordWriter(path, options)
        for r in records:
            w.write(r)
        w.close()
    def read():
        r = ArrayRecordReader(path)
        got = r.read_all()
        assert len(got) == len(records)
        r.close()
    times = {}
    for name, fn in (("write", write), ("read", read)):
        ts = []
        for _ in range(3):
            t = time.process_time(); fn(); ts.append(time.process_time() - t)
        times[name] = sorted(ts)[1]
    out.append({"options": options, "write_s": times["write"], "read_s": times["read"]})
print(json.dumps(out))
`;
  const options = rows.map((r) => r.options);
  const result = spawnSync(python, ["-c", script, input, path.join(dir, "cpp.array_record"), JSON.stringify(options)], { encoding: "utf8", timeout: 20 * 60_000 });
  fs.rmSync(dir, { recursive: true, force: true });
  if (result.status !== 0) {
    console.error(`C++ wheel run failed: ${result.error?.message ?? result.stderr}`);
    process.exit(1);
  }
  const cpp = JSON.parse(result.stdout) as { options: string; write_s: number; read_s: number }[];
  console.log("C++ (array-record wheel, Python loop; max_parallelism default):");
  console.table(cpp.map((c) => ({ options: c.options, encodeMBs: mbps(c.write_s), decodeMBs: mbps(c.read_s) })));
} else {
  console.log("(no .venv-oracles: run `npm run setup:oracles` for the C++ columns)");
}
