/** A progress display for pipelines: a live bar on a terminal, nothing until the summary otherwise. */
import cliProgress from "cli-progress";
import type { Progress } from "../pipelines/progress.js";

/** Shows records, MB and elapsed time from `progress` on stderr while `work` runs (only on a TTY). */
export async function withProgressBar<T>(progress: Progress, work: Promise<T>): Promise<T> {
  if (!process.stderr.isTTY) return work;
  const bar = new cliProgress.SingleBar(
    { format: "{records} records | {mb} MB | {duration_formatted}", stream: process.stderr, hideCursor: true, fps: 5, noTTYOutput: false },
    cliProgress.Presets.shades_classic,
  );
  bar.start(0, 0, { records: 0, mb: "0.0" });
  const timer = setInterval(() => bar.update(0, { records: progress.records, mb: (progress.bytes / 1e6).toFixed(1) }), 200);
  try {
    return await work;
  } finally {
    clearInterval(timer);
    bar.update(0, { records: progress.records, mb: (progress.bytes / 1e6).toFixed(1) });
    bar.stop();
  }
}
