/**
 * A hook for paths the core cannot open itself (object-store URLs such as `s3://b/k`). The core
 * never imports a storage backend: a higher layer (`src/storage`) registers an opener, and the
 * reader, writer and data source ask here before falling back to local files.
 */
import { glob, globSync } from "tinyglobby";
import type { ByteSource } from "./byte-source.js";
import { AtomicFileSink, type AtomicFileSinkOptions, type ByteSink } from "./file-sink.js";
import { FileByteSource } from "./file-source.js";
import { openSourceMaybeMapped } from "./mapped-source.js";

/** How a local path is opened for reading (openers of other paths ignore it). */
export interface LocalSourceOptions {
  /** Map the file into memory (see mapped-source.ts for the hazard); default positional reads. */
  mmap?: boolean;
}

/** Opens byte sources and sinks (and expands globs) for the paths it {@link PathOpener.handles}. */
export interface PathOpener {
  /** Whether this opener serves `path` (e.g. by its URL scheme). */
  handles(path: string): boolean;
  /** Opens `path` for random-access reads. */
  openSource(path: string): Promise<ByteSource>;
  /** Sync {@link openSource}. */
  openSourceSync(path: string): ByteSource;
  /**
   * Sync {@link openSource} of several paths at once, for openers whose opens are worth overlapping
   * (remote objects: one round trip of the calling thread, the opens concurrent behind it).
   */
  openSourcesSync?(paths: readonly string[]): ByteSource[];
  /** Creates an atomic sink: nothing appears under `path` until commit. */
  createSink(path: string): Promise<ByteSink>;
  /** Sync {@link createSink}. */
  createSinkSync(path: string): ByteSink;
  /** The paths a glob pattern matches, unordered. */
  glob(pattern: string): Promise<string[]>;
  /** Sync {@link glob}. */
  globSync(pattern: string): string[];
}

const openers: PathOpener[] = [];

/** Registers `opener` (idempotent for the same object); later registrations are asked first. */
export function registerPathOpener(opener: PathOpener): void {
  if (!openers.includes(opener)) openers.unshift(opener);
}

/** The registered opener serving `path`, or undefined for a local path. */
export function openerFor(path: string): PathOpener | undefined {
  return openers.find((opener) => opener.handles(path));
}

/** Opens `path` for reading: through its registered opener, else as a local file. */
export function openPathSourceSync(path: string, local: LocalSourceOptions = {}): ByteSource {
  return openerFor(path)?.openSourceSync(path) ?? (local.mmap === true ? openSourceMaybeMapped(path) : FileByteSource.openSync(path));
}

/**
 * Opens several paths for reading: in one call to their opener's `openSourcesSync` when they all
 * share an opener that has one (their opens then overlap), else one after another. On a failure,
 * the sources already opened are closed.
 */
export function openPathSourcesSync(paths: readonly string[], local: LocalSourceOptions = {}): ByteSource[] {
  const opener = paths.length > 0 ? openerFor(paths[0]!) : undefined;
  if (opener?.openSourcesSync !== undefined && paths.every((p) => openerFor(p) === opener)) return opener.openSourcesSync(paths);
  const out: ByteSource[] = [];
  try {
    for (const path of paths) out.push(openPathSourceSync(path, local));
  } catch (e) {
    for (const source of out) source.closeSync();
    throw e;
  }
  return out;
}

/** Async {@link openPathSourceSync}. */
export async function openPathSource(path: string, local: LocalSourceOptions = {}): Promise<ByteSource> {
  const opener = openerFor(path);
  if (opener !== undefined) return opener.openSource(path);
  // Mapping is one system call: no async form worth having.
  return local.mmap === true ? openSourceMaybeMapped(path) : FileByteSource.open(path);
}

/** Creates an atomic sink for `path`: through its registered opener, else a local temporary file. */
export function createPathSinkSync(path: string, options?: AtomicFileSinkOptions): ByteSink {
  return openerFor(path)?.createSinkSync(path) ?? AtomicFileSink.createSync(path, options);
}

/** Async {@link createPathSinkSync}. */
export function createPathSink(path: string, options?: AtomicFileSinkOptions): Promise<ByteSink> {
  return openerFor(path)?.createSink(path) ?? AtomicFileSink.create(path, options);
}

/** The paths a glob pattern matches (unordered): through its registered opener, else local files. */
export function globPathsSync(pattern: string): string[] {
  return openerFor(pattern)?.globSync(pattern) ?? globSync(pattern, { absolute: false, expandDirectories: false });
}

/** Async {@link globPathsSync}. */
export function globPaths(pattern: string): Promise<string[]> {
  return openerFor(pattern)?.glob(pattern) ?? glob(pattern, { absolute: false, expandDirectories: false });
}
