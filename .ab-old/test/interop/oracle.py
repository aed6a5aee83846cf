"""Oracle helper for `npm run test:interop`: Google's array-record wheel (C++), TensorFlow and Grain
behind one long-lived process, so each test suite pays the imports (TensorFlow takes seconds) once.

Protocol: one JSON object per line on stdin, `{"id": n, "cmd": "<name>", ...}`; one JSON line per
request on the protocol stream, `{"id": n, "ok": true, ...}` or `{"id": n, "ok": false, "error": "..."}`.
Records never travel inside JSON: they go through "records files" in the caller's temp directory,
each record as a little-endian u64 length followed by its bytes (see test/interop/records-file.ts).

Anything the libraries print (TensorFlow's logging, Grain's workers) goes to stderr: file descriptor
1 is pointed at stderr at start-up and the protocol uses a private duplicate of the original stdout.
"""

from __future__ import annotations

import json
import os
import struct
import sys
import time
import traceback

# ---------------------------------------------------------------------------------------------
# Records files


def read_records(path: str) -> list[bytes]:
    """Records of a records file (u64 LE length + bytes, repeated)."""
    out = []
    with open(path, "rb") as f:
        data = f.read()
    at = 0
    while at < len(data):
        (n,) = struct.unpack_from("<Q", data, at)
        at += 8
        if at + n > len(data):
            raise ValueError(f"records file {path} truncated at offset {at}")
        out.append(data[at : at + n])
        at += n
    return out


def write_records(path: str, records) -> int:
    """Writes `records` as a records file; returns how many."""
    count = 0
    with open(path, "wb") as f:
        for r in records:
            r = bytes(r)
            f.write(struct.pack("<Q", len(r)))
            f.write(r)
            count += 1
    return count


# ---------------------------------------------------------------------------------------------
# Commands

COMMANDS = {}


def command(name):
    def register(fn):
        COMMANDS[name] = fn
        return fn

    return register


@command("versions")
def versions(req):
    """Installed versions of the oracle packages (also proves each one imports)."""
    import importlib.metadata as md

    names = req.get("packages", ["array-record", "grain", "tensorflow-cpu", "pyarrow"])
    return {"versions": {n: md.version(n) for n in names}}


@command("write")
def ar_write(req):
    """The C++ ArrayRecordWriter writes `records` to `path` with the option string `options`."""
    from array_record.python.array_record_module import ArrayRecordWriter

    writer = ArrayRecordWriter(req["path"], req["options"])
    for r in read_records(req["records"]):
        writer.write(r)
    writer.close()
    return {}


@command("read")
def ar_read(req):
    """Reads `path` with the C++ library through each access path named in `ways` and writes each
    result to `<out>.<way>`: `sequential` (read() until the end), `indices` (read(indices) in a
    shuffled order given by the caller, put back in index order here), `datasource`
    (array_record's ArrayRecordDataSource, __getitems__ over every index). Reports the record count
    and the writer options string the file carries."""
    from array_record.python.array_record_module import ArrayRecordReader

    path = req["path"]
    ways = req.get("ways", ["sequential", "indices", "datasource"])
    reader = ArrayRecordReader(path, req.get("reader_options", ""))
    n = reader.num_records()
    result = {"num_records": n, "writer_options": reader.writer_options_string()}
    if "sequential" in ways:
        reader.seek(0)
        write_records(req["out"] + ".sequential", (reader.read() for _ in range(n)))
    if "indices" in ways:
        order = req.get("order") or list(range(n))
        got = reader.read(order) if order else []
        by_index = [None] * n
        for i, r in zip(order, got):
            by_index[i] = r
        write_records(req["out"] + ".indices", by_index)
    reader.close()
    if "datasource" in ways:
        from array_record.python.array_record_data_source import ArrayRecordDataSource

        with ArrayRecordDataSource([path]) as source:
            if len(source) != n:
                raise AssertionError(f"ArrayRecordDataSource length {len(source)} != num_records {n}")
            records = source.__getitems__(list(range(n))) if n else []
            write_records(req["out"] + ".datasource", records)
    return result


def tf():
    import tensorflow

    return tensorflow


def tf_options(compression: str, level):
    compression_type = {"none": "", "gzip": "GZIP", "zlib": "ZLIB"}[compression]
    if level is None or compression == "none":
        return tf().io.TFRecordOptions(compression_type=compression_type)
    return tf().io.TFRecordOptions(compression_type=compression_type, compression_level=level)


@command("tf_write")
def tf_write(req):
    """TensorFlow's TFRecordWriter writes the records of `records` to `path` (`compression`
    none|gzip|zlib, optional `level`)."""
    with tf().io.TFRecordWriter(req["path"], tf_options(req["compression"], req.get("level"))) as w:
        for r in read_records(req["records"]):
            w.write(r)
    return {}


@command("tf_read")
def tf_read(req):
    """TensorFlow reads `path` with TFRecordDataset (`compression` none|gzip|zlib) into `out`."""
    t = tf()
    kind = {"none": "", "gzip": "GZIP", "zlib": "ZLIB"}[req["compression"]]
    ds = t.data.TFRecordDataset(req["path"], compression_type=kind)
    count = write_records(req["out"], (x.numpy() for x in ds))
    return {"num_records": count}


@command("tf_time_read")
def tf_time_read(req):
    """Seconds TensorFlow takes to read `path` as `TFRecordDataset(...).batch(1024)`, best of `runs`."""
    t = tf()
    kind = {"none": "", "gzip": "GZIP", "zlib": "ZLIB"}[req["compression"]]
    times = []
    count = 0
    for _ in range(int(req.get("runs", 3))):
        start = time.perf_counter()
        count = 0
        for batch in t.data.TFRecordDataset(req["path"], compression_type=kind).batch(1024):
            count += int(batch.shape[0])
        times.append(time.perf_counter() - start)
    return {"seconds": times, "num_records": count}


def float_bits(values) -> list[int]:
    import numpy as np

    return [int(b) for b in np.asarray(list(values), dtype=np.float32).view(np.uint32)]


def example_to_json(serialized: bytes):
    """A tf.train.Example parsed by TensorFlow's protobuf, as canonical JSON: feature name →
    {kind, values}; bytes as hex, float32 as their bit patterns, int64 as decimal strings."""
    example = tf().train.Example.FromString(serialized)
    out = {}
    for name, feature in example.features.feature.items():
        kind = feature.WhichOneof("kind")
        if kind == "bytes_list":
            out[name] = {"kind": "bytes", "values": [v.hex() for v in feature.bytes_list.value]}
        elif kind == "float_list":
            out[name] = {"kind": "float", "values": float_bits(feature.float_list.value)}
        elif kind == "int64_list":
            out[name] = {"kind": "int64", "values": [str(v) for v in feature.int64_list.value]}
        else:
            out[name] = {"kind": "none", "values": []}
    return out


def example_from_json(spec) -> bytes:
    """The inverse of example_to_json, built and serialized by TensorFlow's protobuf."""
    import numpy as np

    t = tf()
    features = {}
    for name, f in spec.items():
        kind = f["kind"]
        if kind == "bytes":
            features[name] = t.train.Feature(bytes_list=t.train.BytesList(value=[bytes.fromhex(v) for v in f["values"]]))
        elif kind == "float":
            floats = np.asarray(f["values"], dtype=np.uint32).view(np.float32)
            features[name] = t.train.Feature(float_list=t.train.FloatList(value=floats.tolist()))
        elif kind == "int64":
            features[name] = t.train.Feature(int64_list=t.train.Int64List(value=[int(v) for v in f["values"]]))
        else:
            features[name] = t.train.Feature()
    return t.train.Example(features=t.train.Features(feature=features)).SerializeToString()


@command("tf_parse")
def tf_parse(req):
    """Parses every record of `records` as a tf.train.Example; returns their canonical JSON."""
    return {"examples": [example_to_json(r) for r in read_records(req["records"])]}


@command("tf_build")
def tf_build(req):
    """Builds and serializes each Example of `examples` (canonical JSON) into the records file `out`."""
    return {"num_records": write_records(req["out"], (example_from_json(e) for e in req["examples"]))}


@command("grain_read")
def grain_read(req):
    """Grain reads the ArrayRecord shards `paths`: first its ArrayRecordDataSource, every index in
    order (into `<out>.source`), then a DataLoader with a shuffling IndexSampler (`seed`), one epoch,
    and `workers` worker processes (into `<out>.loader`, in the order delivered). Every record
    delivered by the loader is also parsed as a tf.train.Example; the count is reported."""
    import grain.python as grain

    source = grain.ArrayRecordDataSource(req["paths"])
    n = len(source)
    write_records(req["out"] + ".source", (source[i] for i in range(n)))
    sampler = grain.IndexSampler(
        num_records=n,
        shard_options=grain.NoSharding(),
        shuffle=True,
        num_epochs=1,
        seed=int(req.get("seed", 0)),
    )
    loader = grain.DataLoader(
        data_source=source,
        sampler=sampler,
        worker_count=int(req.get("workers", 2)),
    )
    delivered = list(loader)
    write_records(req["out"] + ".loader", delivered)
    parsed = sum(1 for r in delivered if tf().train.Example.FromString(r).features is not None)
    return {"num_records": n, "delivered": len(delivered), "parsed": parsed}


# ---------------------------------------------------------------------------------------------
# Main loop


def main() -> None:
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # stray prints from the libraries must not corrupt the protocol
    sys.stdout = sys.stderr
    protocol.write(json.dumps({"id": 0, "ok": True, "ready": True, "python": sys.version.split()[0]}) + "\n")
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        req = {}
        try:
            req = json.loads(line)
            handler = COMMANDS.get(req.get("cmd"))
            if handler is None:
                raise ValueError(f"unknown oracle command {req.get('cmd')!r}")
            reply = {"id": req.get("id"), "ok": True, **handler(req)}
        except Exception as e:  # reported to the caller, which fails the test with it
            reply = {"id": req.get("id"), "ok": False, "error": f"{type(e).__name__}: {e}", "trace": traceback.format_exc()}
        protocol.write(json.dumps(reply) + "\n")


if __name__ == "__main__":
    main()
