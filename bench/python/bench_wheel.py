"""Google's array-record wheel (the C++ library) on the data `npm run bench` uses, printing the same
JSON lines. Driven by bench/python-bench.ts, which writes the records and the permutation:

  records.bin   the records back to back
  sizes.u32     their sizes, little-endian uint32
  order.u32     the fixed permutation, little-endian uint32

Ops, each with a fresh reader per run; "single-threaded" = reader option max_parallelism:1:
  write       ArrayRecordWriter(path, options).write(r) for every record, close (it does not fsync)
  open        ArrayRecordReader(path, "max_parallelism:1"), close
  sequential  read() n times, single-threaded
  random      seek(i) + read() per sampled index, "readahead_buffer_size:0,max_parallelism:1"
  batch       one read(sample) call, same options as random
  read_all    read_all(), single-threaded
  parallel2   read_all() with the reader's default pool (the machine's 2 cores)
  getitems    ArrayRecordDataSource([path]).__getitems__(sample), one call
  getitems_shards  the same over the records written as 16 shards of n/16 (ArrayRecordDataSource(shards))
"""
import argparse
import array
import json
import logging
import os
import statistics
import sys
import tempfile
import time

from array_record.python.array_record_module import ArrayRecordReader, ArrayRecordWriter
from array_record.python.array_record_data_source import ArrayRecordDataSource

# The wheel's data source logs an ERROR per group_size:256 shard it opens (Grain's advice to write
# group_size:1); expected here, and it would fill the output.
logging.getLogger("absl").setLevel(logging.CRITICAL)

SHARDS = 16


def write_shards(path, options, records, shards):
    """The records as `shards` files beside `path` (the last takes any remainder); their paths in order."""
    per = len(records) // shards
    paths = []
    for k in range(shards):
        shard = f"{path}-{k:05d}-of-{shards:05d}"
        writer = ArrayRecordWriter(shard, options)
        for r in records[k * per:(k + 1) * per if k < shards - 1 else len(records)]:
            writer.write(r)
        writer.close()
        paths.append(shard)
    return paths


def load(data_dir):
    with open(os.path.join(data_dir, "records.bin"), "rb") as f:
        blob = f.read()
    sizes = array.array("I")
    with open(os.path.join(data_dir, "sizes.u32"), "rb") as f:
        sizes.frombytes(f.read())
    order = array.array("I")
    with open(os.path.join(data_dir, "order.u32"), "rb") as f:
        order.frombytes(f.read())
    if sys.byteorder != "little":
        sizes.byteswap()
        order.byteswap()
    records, at = [], 0
    for s in sizes:
        records.append(blob[at : at + s])
        at += s
    return records, list(order)


def group_size(options):
    for item in options.split(","):
        if item.startswith("group_size:"):
            return int(item.split(":", 1)[1])
    return 1


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--only", action="append", required=True)
    p.add_argument("--ops", default="write,open,sequential,random,batch,read_all,parallel2,getitems,getitems_shards")
    args = p.parse_args()
    records, order = load(args.data)
    n = len(records)
    total = sum(len(r) for r in records)
    ops = args.ops.split(",")
    tmp = tempfile.mkdtemp(prefix="arrayrecord-wheel-bench-")

    def emit(options, op, times, count, nbytes):
        times.sort()
        median = statistics.median(times)
        print(json.dumps({
            "options": options, "op": op, "impl": "wheel",
            "records_per_s": round(count / median), "mb_per_s": round(nbytes / median / 1e5) / 10,
            "runs": len(times), "spread": round((times[-1] - times[0]) / median, 2),
            **({"ms": round(median * 1e6) / 1e3} if op == "open" else {}),
        }), flush=True)

    def timed(fn, setup=None):
        times = []
        for run in range(args.warmup + args.runs):
            state = setup() if setup else None
            t0 = time.perf_counter()
            fn(state)
            if run >= args.warmup:
                times.append(time.perf_counter() - t0)
            if state is not None and hasattr(state, "close"):
                state.close()
        return times

    sink = 0
    for options in args.only:
        path = os.path.join(tmp, "".join(c if c.isalnum() else "_" for c in options) + ".array_record")

        def write(_):
            if os.path.exists(path):
                os.remove(path)
            w = ArrayRecordWriter(path, options)
            for r in records:
                w.write(r)
            w.close()

        if "write" in ops:
            emit(options, "write", timed(write), n, total)
        write(None)
        # The file the reads use is fsynced, as ours is: write-back during a timed read disturbs it.
        fd = os.open(path, os.O_RDONLY)
        os.fsync(fd)
        os.close(fd)
        sample = order[: min(n, 2048)] if group_size(options) > 1 else order
        sample_bytes = sum(len(records[i]) for i in sample)
        single = lambda: ArrayRecordReader(path, "readahead_buffer_size:0,max_parallelism:1")

        if "open" in ops:
            emit(options, "open", timed(lambda _: ArrayRecordReader(path, "max_parallelism:1").close()), n, total)
        if "sequential" in ops:
            def sequential(reader):
                nonlocal sink
                for _ in range(n):
                    sink += len(reader.read())
            emit(options, "sequential", timed(sequential, lambda: ArrayRecordReader(path, "max_parallelism:1")), n, total)
        if "random" in ops:
            def random(reader):
                nonlocal sink
                for i in sample:
                    reader.seek(i)
                    sink += len(reader.read())
            emit(options, "random", timed(random, single), len(sample), sample_bytes)
        if "batch" in ops:
            def batch(reader):
                nonlocal sink
                for r in reader.read(sample):
                    sink += len(r)
            emit(options, "batch", timed(batch, single), len(sample), sample_bytes)
        if "read_all" in ops:
            def read_all(reader):
                nonlocal sink
                for r in reader.read_all():
                    sink += len(r)
            emit(options, "read_all", timed(read_all, lambda: ArrayRecordReader(path, "max_parallelism:1")), n, total)
        if "parallel2" in ops:
            def parallel(reader):
                nonlocal sink
                for r in reader.read_all():
                    sink += len(r)
            emit(options, "parallel2", timed(parallel, lambda: ArrayRecordReader(path)), n, total)
        if "getitems" in ops:
            def getitems(source):
                nonlocal sink
                for r in source.__getitems__(sample):
                    sink += len(r)
            emit(options, "getitems", timed(getitems, lambda: ArrayRecordDataSource([path])), len(sample), sample_bytes)
        if "getitems_shards" in ops:
            def getitems_shards(source):
                nonlocal sink
                for r in source.__getitems__(sample):
                    sink += len(r)
            shards = write_shards(path, options, records, SHARDS)
            emit(options, "getitems_shards", timed(getitems_shards, lambda: ArrayRecordDataSource(shards)), len(sample), sample_bytes)
            for shard in shards:
                os.remove(shard)
        os.remove(path)
    os.rmdir(tmp)
    if sink == 0:
        raise SystemExit("nothing read")


if __name__ == "__main__":
    main()
