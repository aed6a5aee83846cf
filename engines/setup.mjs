#!/usr/bin/env node
// `npm run setup:engines`: fetches Beam's Flink job server (beam-runners-flink-1.15:2.49.0 and its
// dependencies, pinned in engines/pom.xml) from Maven Central into engines/flink/lib (git-ignored),
// replacing what was there. Needs Maven (`mvn`) and Java 11+. Every step has a timeout.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const lib = path.join(here, "flink", "lib");
const staging = path.join(here, "flink", "lib.partial");

function run(command, args, timeoutSeconds) {
  const result = spawnSync(command, args, { stdio: "inherit", timeout: timeoutSeconds * 1000 });
  if (result.error) throw new Error(`${command} ${args.join(" ")}: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} exited with ${result.status ?? result.signal}`);
}

run("java", ["-version"], 60);
run("mvn", ["-v"], 60);
fs.rmSync(staging, { recursive: true, force: true });
run("mvn", ["-B", "-q", "-f", path.join(here, "pom.xml"), "dependency:copy-dependencies", `-DoutputDirectory=${staging}`, "-DincludeScope=runtime"], 1200);
const jar = path.join(staging, "beam-runners-flink-1.15-2.49.0.jar");
if (!fs.existsSync(jar)) throw new Error(`Maven finished but ${jar} is missing`);
fs.rmSync(lib, { recursive: true, force: true });
fs.renameSync(staging, lib);
console.log(`Flink job server: ${fs.readdirSync(lib).length} jars in ${lib}`);
