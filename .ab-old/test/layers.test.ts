/**
 * The layer rule (docs/ARCHITECTURE.md): a folder under src/ is one layer, and a file imports only
 * from its own layer or lower ones. This test reads every import under src/ and fails on an import
 * from a higher layer or from an undeclared sibling, on Beam or a cloud SDK anywhere in the format
 * core, and on Node's file-system, path, stream, os and crypto modules in the core outside bytes/
 * and the worker-thread files.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

/**
 * Layers, lowest first: a name, a rank, and the folders or files under src/ it holds. Layers of
 * equal rank are siblings, which may not import each other unless the edge is in SIBLING_EDGES.
 */
const LAYERS: ReadonlyArray<readonly [name: string, rank: number, members: readonly string[]]> = [
  ["format/base", 0, ["format/errors.ts", "format/varint.ts"]],
  ["format/bytes", 1, ["format/bytes"]],
  ["format/riegeli", 2, ["format/riegeli"]],
  ["format/array-record", 3, ["format/array-record"]],
  ["format/tfrecord", 3, ["format/tfrecord"]],
  ["format/example", 3, ["format/example"]],
  ["format/arrow", 3, ["format/arrow"]],
  ["storage", 4, ["storage"]],
  ["transforms", 5, ["transforms"]],
  ["io", 6, ["io"]],
  ["runners", 7, ["runners"]],
  ["pipelines", 8, ["pipelines"]],
  ["entries", 9, ["index.ts", "beam.ts"]],
  ["programs", 10, ["cli", "runners/worker-main.ts"]],
];

/** Allowed imports between sibling layers (importer → imported). */
const SIBLING_EDGES: ReadonlyArray<readonly [string, string]> = [["format/arrow", "format/example"]];

/** Packages the format core must never import. */
const FORBIDDEN_IN_CORE = [/^apache-beam(\/|$)/, /^@aws-sdk\//, /^@google-cloud\//, /^@smithy\//, /^synckit$/];

/** Node modules the core may import only in bytes/ and in the worker-thread files. */
const NODE_IO = /^(node:)?(fs|fs\/promises|path|stream|stream\/promises|os|crypto)$/;
/** Files of the core besides bytes/ that may use NODE_IO: worker threads need os and their own entry. */
const WORKER_FILES = /^format\/[a-z-]+\/(parallel-[a-z-]+|[a-z-]+-worker)\.ts$/;

/** One import found in a file: the specifier as written. */
interface ImportSite {
  file: string; // relative to src/, with forward slashes
  specifier: string;
}

/** Every `import … from "x"`, `export … from "x"`, `import("x")` and `import "x"` in `source`. */
export function importsOf(source: string): string[] {
  const found: string[] = [];
  const patterns = [/\bfrom\s*["']([^"']+)["']/g, /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g, /^\s*import\s*["']([^"']+)["']/gm];
  for (const pattern of patterns) for (const m of source.matchAll(pattern)) found.push(m[1]!);
  return found;
}

/** The layer (name and rank) a src/-relative path belongs to, by its longest matching member, or undefined. */
function layerOf(file: string): readonly [string, number] | undefined {
  let best: { layer: readonly [string, number]; length: number } | undefined;
  for (const [name, rank, members] of LAYERS) {
    for (const m of members) {
      if ((file === m || file.startsWith(m + "/")) && m.length > (best?.length ?? -1)) best = { layer: [name, rank], length: m.length };
    }
  }
  return best?.layer;
}

/** Every rule the import breaks (empty when it is fine). */
export function violationsOf(site: ImportSite): string[] {
  const { file, specifier } = site;
  const out: string[] = [];
  const from = layerOf(file);
  if (from === undefined) return [`${file}: its folder is in no layer (declare it in test/layers.test.ts)`];
  const inCore = file.startsWith("format/");
  if (!specifier.startsWith(".")) {
    if (inCore && FORBIDDEN_IN_CORE.some((p) => p.test(specifier))) out.push(`${file}: the format core imports ${specifier}`);
    if (inCore && NODE_IO.test(specifier) && !file.startsWith("format/bytes/") && !WORKER_FILES.test(file)) {
      out.push(`${file}: ${specifier} is I/O, which belongs in format/bytes/`);
    }
    return out;
  }
  const target = relative("/src", resolve("/src", dirname(file), specifier)).split("\\").join("/").replace(/\.js$/, ".ts");
  if (target.startsWith("..")) return [`${file}: imports ${specifier}, outside src/`];
  const to = layerOf(target);
  if (to === undefined) return [`${file}: imports ${specifier}, which is in no layer`];
  if (to[1] > from[1]) out.push(`${file}: imports ${specifier} from the higher layer ${to[0]}`);
  else if (to[1] === from[1] && to[0] !== from[0] && !SIBLING_EDGES.some(([a, b]) => a === from[0] && b === to[0])) {
    out.push(`${file}: imports ${specifier} from the sibling layer ${to[0]} (not declared in SIBLING_EDGES)`);
  }
  return out;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

describe("layers", () => {
  const srcDir = join(ROOT, "src");
  const files = sourceFiles(srcDir);

  it("every import under src/ respects the layers", () => {
    expect(files.length).toBeGreaterThan(80);
    const problems: string[] = [];
    let imports = 0;
    for (const path of files) {
      const file = relative(srcDir, path).split("\\").join("/");
      for (const specifier of importsOf(readFileSync(path, "utf8"))) {
        imports++;
        problems.push(...violationsOf({ file, specifier }));
      }
    }
    expect(imports).toBeGreaterThan(300);
    expect(problems).toEqual([]);
  });

  it("catches wrong imports of every kind", () => {
    const cases: Array<[ImportSite, RegExp]> = [
      [{ file: "format/riegeli/codecs.ts", specifier: "../array-record/options.js" }, /higher layer format\/array-record/],
      [{ file: "format/bytes/file-source.ts", specifier: "../riegeli/blocks.js" }, /higher layer/],
      [{ file: "format/errors.ts", specifier: "./bytes/slab.js" }, /higher layer/],
      [{ file: "index.ts", specifier: "./cli/main.js" }, /higher layer programs/],
      [{ file: "runners/flink-runner.ts", specifier: "../beam.js" }, /higher layer entries/],
      [{ file: "format/tfrecord/reader.ts", specifier: "../example/index.js" }, /sibling layer format\/example/],
      [{ file: "format/array-record/reader.ts", specifier: "../../io/splits.js" }, /higher layer io/],
      [{ file: "transforms/coders.ts", specifier: "../io/match.js" }, /higher layer io/],
      [{ file: "format/array-record/reader.ts", specifier: "apache-beam" }, /core imports apache-beam/],
      [{ file: "format/bytes/file-source.ts", specifier: "@aws-sdk/client-s3" }, /core imports @aws-sdk/],
      [{ file: "format/riegeli/codecs.ts", specifier: "node:fs" }, /I\/O, which belongs in format\/bytes/],
      [{ file: "format/tfrecord/writer.ts", specifier: "node:path" }, /I\/O/],
      [{ file: "format/array-record/writer.ts", specifier: "node:stream" }, /I\/O/],
      [{ file: "format/arrow/ipc-files.ts", specifier: "crypto" }, /I\/O/],
      [{ file: "newfolder/x.ts", specifier: "../format/errors.js" }, /in no layer/],
    ];
    for (const [site, message] of cases) {
      expect(violationsOf(site), `${site.file} → ${site.specifier}`).toEqual([expect.stringMatching(message)]);
    }
    const allowed: ImportSite[] = [
      { file: "format/arrow/examples-to-columns.ts", specifier: "../example/index.js" },
      { file: "format/bytes/file-sink.ts", specifier: "node:fs" },
      { file: "format/array-record/parallel-decode.ts", specifier: "node:os" },
      { file: "format/riegeli/codecs.ts", specifier: "node:zlib" },
      { file: "io/splits.ts", specifier: "../format/array-record/reader.js" },
      { file: "cli/main.ts", specifier: "node:fs" },
      { file: "format/varint.ts", specifier: "./errors.js" },
      { file: "cli/beam.ts", specifier: "../beam.js" },
      { file: "runners/worker-main.ts", specifier: "../beam.js" },
    ];
    for (const site of allowed) expect(violationsOf(site), `${site.file} → ${site.specifier}`).toEqual([]);
  });

  it("finds imports of every syntax", () => {
    const source = [
      'import { a } from "./a.js";',
      'import type { B } from "./b.js";',
      'export { c } from "./c.js";',
      'export * from "./d.js";',
      'const e = await import("./e.js");',
      'import "./f.js";',
      "import {\n  g,\n  h,\n} from './g.js';",
    ].join("\n");
    expect(importsOf(source).sort()).toEqual(["./a.js", "./b.js", "./c.js", "./d.js", "./e.js", "./f.js", "./g.js"]);
  });
});
