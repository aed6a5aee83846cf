/** Machine-readable reason carried by every {@link ArrayRecordError}. */
export type ArrayRecordErrorCode =
  /** Bytes that fail a hash, a structural rule or a protobuf parse. */
  | "CORRUPT"
  /** The file (or a chunk) ends before the bytes it declares. */
  | "TRUNCATED"
  /** A record index, range or position outside the file. */
  | "OUT_OF_RANGE"
  /** An options string or argument the grammar rejects. */
  | "INVALID_OPTIONS"
  /** A valid feature this library does not implement (yet). */
  | "UNSUPPORTED"
  /** An operation on a reader or writer that has been closed. */
  | "CLOSED"
  /** The operating system refused a file operation. */
  | "IO"
  /** A chunk or record larger than the reader's configured limits (see `DecodeLimits`). */
  | "RESOURCE_LIMIT";

/** Where an error happened: the file (when known) and the byte offset in it. */
export interface ErrorLocation {
  /** Path or name of the file being read or written. */
  file?: string;
  /** Byte offset in the file where the problem was found. */
  offset?: number;
}

/** The one error type of this library: a code, a message, and where it happened. */
export class ArrayRecordError extends Error {
  override readonly name = "ArrayRecordError";
  /** Why it failed, for programs. */
  readonly code: ArrayRecordErrorCode;
  /** The file being read or written, when known. */
  file: string | undefined;
  /** Byte offset in {@link file} where the problem was found, when known. */
  offset: number | undefined;
  /** The message without the location. */
  readonly reason: string;

  constructor(code: ArrayRecordErrorCode, message: string, where: ErrorLocation = {}, options?: { cause?: unknown }) {
    super(formatMessage(message, where), options);
    this.code = code;
    this.reason = message;
    this.file = where.file;
    this.offset = where.offset;
  }

  /** Fills in the file name on an error raised by a decoder that did not know it. */
  withFile(file: string | undefined): this {
    if (file !== undefined && this.file === undefined) {
      this.file = file;
      this.message = formatMessage(this.reason, { file, offset: this.offset });
    }
    return this;
  }
}

function formatMessage(message: string, where: ErrorLocation): string {
  const parts: string[] = [];
  if (where.file !== undefined) parts.push(where.file);
  if (where.offset !== undefined) parts.push(`offset ${where.offset}`);
  return parts.length === 0 ? message : `${message} (${parts.join(", ")})`;
}

/** True when `e` is an {@link ArrayRecordError}, optionally with the given code. */
export function isArrayRecordError(e: unknown, code?: ArrayRecordErrorCode): e is ArrayRecordError {
  return e instanceof ArrayRecordError && (code === undefined || e.code === code);
}

/** Throws a CORRUPT error at `offset`. */
export function corrupt(message: string, offset?: number): never {
  throw new ArrayRecordError("CORRUPT", message, { offset });
}
