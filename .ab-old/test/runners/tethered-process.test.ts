/** A tethered child dies with its parent, whether the parent exits, is SIGTERMed or SIGKILLed. */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { spawnTethered } from "../../src/runners/tethered-process.js";

const PARENT = fileURLToPath(new URL("./fixtures/tether-parent.ts", import.meta.url));

/** True while `pid` is a live process (a zombie awaiting its reaper counts as dead). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

async function waitUntilDead(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !alive(pid);
}

/** Starts the fixture parent; resolves to it and its tethered child's pid. */
async function startParent(...args: string[]) {
  const parent = spawn(process.execPath, ["--import", "tsx", PARENT, ...args], { stdio: ["ignore", "pipe", "inherit"] });
  const lines: string[] = [];
  const next = () =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("parent printed nothing in 30 s")), 30_000);
      const check = () => {
        if (lines.length > 0) {
          clearTimeout(timer);
          resolve(lines.shift()!);
        } else setTimeout(check, 20);
      };
      check();
    });
  let buffer = "";
  parent.stdout.on("data", (d: Buffer) => {
    buffer += d.toString();
    const parts = buffer.split("\n");
    buffer = parts.pop()!;
    lines.push(...parts);
  });
  const childPid = Number(await next());
  return { parent, childPid, next };
}

describe("spawnTethered", () => {
  for (const signal of ["SIGKILL", "SIGTERM", "SIGINT"] as const) {
    it(`the child dies when its parent is killed by ${signal}`, async () => {
      const { parent, childPid } = await startParent();
      try {
        expect(childPid).toBeGreaterThan(0);
        expect(alive(childPid)).toBe(true);
        parent.kill(signal);
        expect(await waitUntilDead(childPid, 10_000)).toBe(true);
      } finally {
        parent.kill("SIGKILL");
        if (alive(childPid)) process.kill(childPid, "SIGKILL");
      }
    });
  }

  it("stop() ends a child that ignores SIGTERM (SIGKILL after the grace time) and resolves after it exited", async () => {
    const { parent, childPid, next } = await startParent("stubborn", "stop");
    try {
      const stopped = /^stopped after (\d+) ms$/.exec(await next());
      expect(alive(childPid)).toBe(false);
      // SIGTERM was ignored: the guard's SIGKILL came after the 1 s grace time.
      expect(Number(stopped?.[1])).toBeGreaterThanOrEqual(900);
    } finally {
      parent.kill("SIGKILL");
      if (alive(childPid)) process.kill(childPid, "SIGKILL");
    }
  });

  it("the guard exits with the command's status", async () => {
    const child = spawnTethered(process.execPath, ["-e", "process.exit(7)"], { output: "ignore" });
    const code = await new Promise<number | null>((resolve) => child.guard.once("exit", (c) => resolve(c)));
    expect(code).toBe(7);
    await child.stop();
  });
});
