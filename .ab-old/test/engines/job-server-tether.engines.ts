/** The Flink job server JVM dies with the process that started it, even when that one is SIGKILLed. */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const PARENT = fileURLToPath(new URL("./fixtures/job-server-parent.ts", import.meta.url));

/** True while `pid` is a live process (a zombie counts as dead). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

describe("Flink job server lifetime", () => {
  it("a SIGKILLed parent takes its job server JVM with it", async () => {
    const parent = spawn(process.execPath, ["--import", "tsx", PARENT], { stdio: ["ignore", "pipe", "inherit"] });
    const killer = setTimeout(() => parent.kill("SIGKILL"), 240_000);
    let jvm = -1;
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = "";
        parent.stdout.on("data", (d: Buffer) => {
          out += d.toString();
          if (out.includes("\n")) resolve(out.split("\n")[0]!);
        });
        parent.on("exit", (code, signal) => reject(new Error(`the parent exited (${code ?? signal}) before its job server listened`)));
      });
      jvm = Number(line.split(" ")[0]);
      expect(fs.readFileSync(`/proc/${jvm}/cmdline`, "utf8")).toContain("FlinkJobServerDriver");
      parent.kill("SIGKILL");
      const deadline = Date.now() + 30_000;
      while (alive(jvm) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      expect(alive(jvm)).toBe(false);
    } finally {
      clearTimeout(killer);
      parent.kill("SIGKILL");
      if (jvm > 0 && alive(jvm)) process.kill(jvm, "SIGKILL");
    }
  });
});
