#!/usr/bin/env python3
"""Writes the conformance fixtures of `npm test` with Google's library (the array-record wheel).

Usage: .venv-oracles/bin/python scripts/generate-conformance-fixtures.py   (npm run generate:fixtures)

Each fixture is a small ArrayRecord file written by the C++ ArrayRecordWriter, stored gzipped as
test/fixtures/conformance/NAME.array_record.gz (ArrayRecord files are whole 64 KiB blocks, mostly
zeros, so gzip keeps the repository small), with NAME.json holding what the C++ reader reports and
what was written: options, counts, file size, records SHA-256, sample records. The records come from
seeded generators, so running the script again writes the same files (the tests check the JSON,
not this script's output, so a rerun with another array-record version shows up as a diff).
"""
import gzip
import hashlib
import json
import os
import random
import struct
import sys
import tempfile

from array_record.python.array_record_module import ArrayRecordReader, ArrayRecordWriter
import importlib.metadata as md

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "conformance")

WORDS = b"the of and to in is was for on are with as by at from or an be this which array record chunk".split()


def text(seed, n, lo, hi):
    """Lines of lowercase words: compressible like real text."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        size = rng.randint(lo, hi)
        line = b""
        while len(line) < size:
            line += rng.choice(WORDS) + b" "
        out.append(line[:size])
    return out


def noise(seed, n, lo, hi):
    """Random bytes: incompressible."""
    rng = random.Random(seed)
    return [bytes(rng.getrandbits(8) for _ in range(rng.randint(lo, hi))) for _ in range(n)]


def varint(v):
    out = b""
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def protos(seed, n):
    """Small protobuf messages (string field 1, varint field 2, repeated bytes field 3): what transposition is for."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        name = rng.choice(WORDS) + b"-" + str(i).encode()
        msg = b"\x0a" + varint(len(name)) + name + b"\x10" + varint(rng.randint(0, 1 << 40))
        for _ in range(rng.randint(0, 3)):
            blob = bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 12)))
            msg += b"\x1a" + varint(len(blob)) + blob
        out.append(msg)
    return out


def mixed(seed, n):
    """Protobuf messages with every third record not a valid message."""
    base = protos(seed, n)
    junk = noise(seed + 1, n, 1, 20)
    return [junk[i] if i % 3 == 2 else base[i] for i in range(n)]


def big(seed):
    """A record larger than a 64 KiB block between small ones: its chunk crosses block boundaries."""
    rng = random.Random(seed)
    return [b"first", bytes(rng.getrandbits(8) for _ in range(70_000)), b"", b"last"]


def with_empty(seed, n):
    """Text records where every fourth is empty."""
    return [b"" if i % 4 == 0 else r for i, r in enumerate(text(seed, n, 1, 40))]


TEXT = text(1, 120, 0, 200)
NOISE = noise(2, 60, 0, 150)

# name -> (options given to the C++ writer, records)
FIXTURES = {
    "digits": ("group_size:1,uncompressed", [str(d).encode() for d in range(5)]),
    "uncompressed_gs1": ("group_size:1,uncompressed", TEXT[:40]),
    "uncompressed_gs16": ("group_size:16,uncompressed", TEXT),
    "default": ("", TEXT),
    "zstd_gs8": ("group_size:8,zstd", TEXT),
    "zstd1_gs8": ("group_size:8,zstd:1", TEXT),
    "zstd19_gs8": ("group_size:8,zstd:19", TEXT),
    "zstdm5_gs4": ("group_size:4,zstd:-5", NOISE),
    "zstd_wl12_gs32": ("group_size:32,zstd:5,window_log:12", TEXT),
    "brotli_gs8": ("group_size:8,brotli", TEXT),
    "brotli2_gs8": ("group_size:8,brotli:2", TEXT),
    "brotli11_wl16_gs8": ("group_size:8,brotli:11,window_log:16", TEXT),
    "snappy_gs1": ("group_size:1,snappy", NOISE[:30]),
    "snappy_gs8": ("group_size:8,snappy", TEXT),
    "gs_larger_than_count": ("group_size:1000,zstd", TEXT),
    "pad_zstd_gs40": ("group_size:40,pad_to_block_boundary:true,zstd", TEXT),
    "pad_uncompressed_gs50": ("group_size:50,pad_to_block_boundary:true,uncompressed", TEXT),
    "empty": ("", []),
    "one_empty_record": ("", [b""]),
    "empty_records_gs3": ("group_size:3,zstd", with_empty(3, 30)),
    "big_uncompressed_gs1": ("group_size:1,uncompressed", big(4)),
    "big_zstd_gs2": ("group_size:2,zstd", big(4)),
    "transpose_gs16": ("group_size:16,transpose:true", protos(5, 80)),
    "transpose_uncompressed_gs4": ("group_size:4,transpose:true,uncompressed", protos(6, 20)),
    "transpose_mixed_brotli_gs8": ("group_size:8,transpose:true,brotli", mixed(7, 40)),
}


def records_sha256(records):
    h = hashlib.sha256()
    for r in records:
        h.update(struct.pack("<Q", len(r)))
        h.update(r)
    return h.hexdigest()


def samples(records):
    n = len(records)
    picks = sorted({i for i in (0, n // 4, n // 2, 3 * n // 4, n - 1) if 0 <= i < n})
    return {str(i): {"length": len(records[i]), "hex": records[i][:64].hex(), "truncated": len(records[i]) > 64} for i in picks}


def main():
    os.makedirs(OUT, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name, (options, records) in FIXTURES.items():
            path = os.path.join(tmp, name + ".array_record")
            writer = ArrayRecordWriter(path, options)
            for r in records:
                writer.write(r)
            writer.close()
            reader = ArrayRecordReader(path)
            back = reader.read_all() if reader.num_records() > 0 else []
            if list(back) != records:
                sys.exit(f"{name}: the C++ reader does not give back the records written")
            expect = {
                "file": name + ".array_record",
                "writer_options": options,
                "writer_options_string": reader.writer_options_string(),
                "num_records": reader.num_records(),
                "total_record_bytes": sum(len(r) for r in records),
                "file_size": os.path.getsize(path),
                "records_sha256": records_sha256(records),
                "samples": samples(records),
                "written_by": "array-record==" + md.version("array-record"),
            }
            reader.close()
            with open(path, "rb") as f:
                data = f.read()
            # mtime=0 and no file name: the same bytes give the same .gz.
            with open(os.path.join(OUT, name + ".array_record.gz"), "wb") as f:
                f.write(gzip.compress(data, compresslevel=9, mtime=0))
            with open(os.path.join(OUT, name + ".json"), "w") as f:
                json.dump(expect, f, indent=2)
                f.write("\n")
            print(f"{name}: {expect['num_records']} records, {expect['file_size']} bytes, {expect['writer_options_string']}")


if __name__ == "__main__":
    main()
