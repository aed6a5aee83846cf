/** Writing to stdout with backpressure, and formatting records for the terminal. */
import type { Writable } from "node:stream";

/** Buffers small writes and respects the stream's backpressure. */
export class Output {
  private pieces: (string | Uint8Array)[] = [];
  private size = 0;

  constructor(private readonly stream: Writable = process.stdout) {}

  /** Queues text or bytes; flushes when enough has accumulated. */
  async write(data: string | Uint8Array): Promise<void> {
    this.pieces.push(data);
    this.size += data.length;
    if (this.size >= 1 << 16) await this.flush();
  }

  /** Hands everything queued to the stream and waits if it asks us to. */
  async flush(): Promise<void> {
    if (this.pieces.length === 0) return;
    const chunk = Buffer.concat(this.pieces.map((p) => (typeof p === "string" ? Buffer.from(p) : p)));
    this.pieces = [];
    this.size = 0;
    if (!this.stream.write(chunk)) await new Promise<void>((resolve) => this.stream.once("drain", resolve));
  }
}

/** Ways `cat` prints records. */
export const RECORD_FORMATS = ["text", "hex", "base64", "jsonl", "length-prefixed"] as const;
/** One of {@link RECORD_FORMATS}. */
export type RecordFormat = (typeof RECORD_FORMATS)[number];

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** A record as `format` prints it (with its line ending or length prefix). */
export function formatRecord(record: Uint8Array, index: number, format: RecordFormat): string | Uint8Array {
  switch (format) {
    case "text":
      return Buffer.concat([record, NEWLINE]);
    case "hex":
      return Buffer.from(record.buffer, record.byteOffset, record.length).toString("hex") + "\n";
    case "base64":
      return Buffer.from(record.buffer, record.byteOffset, record.length).toString("base64") + "\n";
    case "jsonl":
      return JSON.stringify(jsonRecord(record, index)) + "\n";
    case "length-prefixed": {
      const out = Buffer.allocUnsafe(4 + record.length);
      out.writeUInt32LE(record.length, 0);
      out.set(record, 4);
      return out;
    }
  }
}

const NEWLINE = Buffer.from("\n");

/** `{index, length, utf8}` for valid UTF-8, else `{index, length, base64}`: lossless either way. */
function jsonRecord(record: Uint8Array, index: number): object {
  try {
    return { index, length: record.length, utf8: strictUtf8.decode(record) };
  } catch {
    return { index, length: record.length, base64: Buffer.from(record.buffer, record.byteOffset, record.length).toString("base64") };
  }
}
