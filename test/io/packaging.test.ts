/**
 * Packaging: the format core never reaches Beam (it installs and imports without the ~250 MB
 * optional peer), Beam lives behind `arrayrecord/beam`, and package.json declares it that way;
 * the packed tarball carries what its `file:` addons build from.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+"([^"]+)"|(?:^|\n)\s*import\s+"([^"]+)"|import\("([^"]+)"\)/g;

/** Every module specifier imported by `file`. */
function specifiers(file: string): string[] {
  const text = fs.readFileSync(file, "utf8");
  return [...text.matchAll(IMPORT)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

/** The source files reachable from `entry` through relative imports, with their bare imports. */
function graph(entry: string): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const todo = [entry];
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    const specs = specifiers(file);
    seen.set(file, specs.filter((s) => !s.startsWith(".")));
    for (const s of specs.filter((s) => s.startsWith("."))) todo.push(path.resolve(path.dirname(file), s.replace(/\.js$/, ".ts")));
  }
  return seen;
}

describe("packaging", () => {
  it("the format core never imports Beam", () => {
    const core = graph(path.join(ROOT, "src/index.ts"));
    expect(core.size).toBeGreaterThan(10);
    for (const [file, bare] of core) {
      expect(bare.filter((s) => s.startsWith("apache-beam")), file).toEqual([]);
      expect(/^src\/(io|transforms|runners)\//.test(path.relative(ROOT, file)), file).toBe(false);
    }
  });

  it("only src/io, src/transforms, src/pipelines, src/runners and src/beam.ts import Beam", () => {
    const beam = graph(path.join(ROOT, "src/beam.ts"));
    for (const [file, bare] of beam) {
      const rel = path.relative(ROOT, file);
      if (bare.some((s) => s.startsWith("apache-beam"))) expect(/^src\/(io|transforms|pipelines|runners)\/|^src\/beam\.ts$/.test(rel), rel).toBe(true);
    }
    expect([...beam.keys()].map((f) => path.relative(ROOT, f))).toEqual(expect.arrayContaining(["src/io/index.ts", "src/transforms/index.ts"]));
  });

  it("package.json exposes arrayrecord/beam and makes Beam an optional, pinned peer", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    expect(pkg.exports["."]).toMatchObject({ types: "./dist/index.d.ts", import: "./dist/index.js" });
    expect(pkg.exports["./beam"]).toMatchObject({ types: "./dist/beam.d.ts", import: "./dist/beam.js" });
    // Remote workers require() the module name their DoFns were registered under.
    expect(pkg.exports["./beam"].default).toBe("./dist/beam.js");
    expect(pkg.peerDependencies["apache-beam"]).toBe("2.49.0");
    expect(pkg.peerDependenciesMeta["apache-beam"]).toEqual({ optional: true });
    expect(pkg.devDependencies["apache-beam"]).toBe("2.49.0");
    expect(pkg.dependencies["apache-beam"]).toBeUndefined();
    expect(pkg.devDependencies.typescript).toMatch(/^~5\.9/);
  });

  it("the packed tarball carries the sources of every addon package.json names as file:, and no build output", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    const addons = Object.values<string>({ ...pkg.dependencies, ...pkg.optionalDependencies })
      .filter((spec) => spec.startsWith("file:"))
      .map((spec) => spec.slice("file:".length));
    expect(addons.sort()).toEqual(["native/chunkhash", "native/fileio", "native/snappy"]);
    // --ignore-scripts: no `prepare` rebuild of dist/ under the other tests' feet.
    const packed = spawnSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
    expect(packed.status, packed.stderr).toBe(0);
    const files = new Set((JSON.parse(packed.stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path));
    for (const dir of addons) {
      const gyp = fs.readFileSync(path.join(ROOT, dir, "binding.gyp"), "utf8");
      // Our own sources and headers, chunkhash's share of native/snappy included (the zstd sources it compiles come with zstd-napi, a dependency).
      const sources = [...gyp.matchAll(/"([^"<]+\.c)"/g)].map((m) => path.posix.normalize(`${dir}/${m[1]}`));
      const headers = fs.readdirSync(path.join(ROOT, dir)).filter((f) => f.endsWith(".h")).map((f) => `${dir}/${f}`);
      expect(sources.length, dir).toBeGreaterThan(0);
      sources.push(...headers);
      for (const file of [`${dir}/package.json`, `${dir}/binding.gyp`, `${dir}/index.cjs`, ...sources]) expect(files.has(file), file).toBe(true);
    }
    expect([...files].filter((f) => f.startsWith("native/") && f.includes("/build/"))).toEqual([]);
  });
});
