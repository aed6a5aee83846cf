/**
 * Every path-taking CLI command with object URLs (S3 through the counting proxy, GCS): write from
 * stdin, info, cat, verify, head, count, export to TFRecord and Arrow, import from TFRecord and Arrow,
 * convert (Beam).
 */
import { Storage } from "@google-cloud/storage";
import { beforeAll, describe, expect, it } from "vitest";
import { withEmulatorHost } from "../../src/storage/gcs-store.js";
import { runCli } from "../helpers/cli.js";
import { BUCKET } from "./helpers/env.js";

const lines = Array.from({ length: 50 }, (_, i) => `line ${i}`);

beforeAll(async () => {
  // fake-gcs-server keeps buckets in memory: make sure ours exists whichever file runs first.
  const options = { projectId: process.env.GOOGLE_CLOUD_PROJECT };
  const bucket = withEmulatorHost(() => new Storage(options), options).bucket(BUCKET);
  if (!(await bucket.exists())[0]) await bucket.create();
});

describe("CLI with object URLs", () => {
  it("write, info, cat, verify, head on s3:// and gs://", () => {
    for (const scheme of ["s3", "gs"]) {
      const file = `${scheme}://${BUCKET}/cli/lines.array_record`;
      const write = runCli(["write", file, "--options", "group_size:4"], lines.join("\n") + "\n");
      expect(write.stderr).toContain("wrote 50 records");
      expect(write.status).toBe(0);
      const info = runCli(["info", file, "--json"]);
      expect(info.status).toBe(0);
      expect(info.stdout.toString()).toContain('"num_records":50');
      const cat = runCli(["cat", file, "--range", "10:13"]);
      expect(cat.stdout.toString()).toBe("line 10\nline 11\nline 12\n");
      expect(runCli(["verify", file]).stdout.toString()).toMatch(/OK \(50 records/);
      expect(runCli(["head", `${scheme}://${BUCKET}/cli/lines.array_*`, "-n", "2"]).stdout.toString()).toBe("line 0\nline 1\n");
    }
  });

  it("export to TFRecord on S3, import it into GCS, convert it with Beam into S3 shards, count them", () => {
    const source = `s3://${BUCKET}/cli/lines.array_record`;
    const exported = runCli(["export", source, "--to", "tfrecord", `s3://${BUCKET}/cli/lines.tfrecord`]);
    expect(exported.stderr).toContain("exported 50 records");
    const imported = runCli(["import", "--from", "tfrecord", `s3://${BUCKET}/cli/lines.tfrecord`, `gs://${BUCKET}/cli/imported.array_record`]);
    expect(imported.stderr).toContain("50 records");
    expect(runCli(["cat", `gs://${BUCKET}/cli/imported.array_record`]).stdout.toString()).toBe(lines.join("\n") + "\n");
    const convert = runCli(["convert", "--from", "tfrecord", "--input", `s3://${BUCKET}/cli/lines.tfrecord`, "--output", `s3://${BUCKET}/cli/conv/part`, "--num-shards", "3"]);
    expect(convert.stderr).not.toMatch(/Error/);
    expect(convert.status).toBe(0);
    const count = runCli(["count", `s3://${BUCKET}/cli/conv/part-*-of-00003`]);
    expect(count.status).toBe(0);
    expect(count.stdout.toString()).toMatch(/\b50\b/);
  });

  it("export to an Arrow IPC file on GCS, import it back into S3: the same records", () => {
    const source = `s3://${BUCKET}/cli/arrow-source.array_record`;
    expect(runCli(["write", source, "--options", "group_size:4"], lines.join("\n") + "\n").status).toBe(0);
    const arrow = `gs://${BUCKET}/cli/lines.arrow`;
    const exported = runCli(["export", source, "--to", "arrow", "--as", "binary", arrow]);
    expect(exported.stderr).toContain("exported 50 records");
    expect(exported.status).toBe(0);
    const imported = runCli(["import", "--from", "arrow", "--as", "binary", arrow, `s3://${BUCKET}/cli/from-arrow.array_record`]);
    expect(imported.stderr).toContain("50 records");
    expect(imported.status).toBe(0);
    expect(runCli(["cat", `s3://${BUCKET}/cli/from-arrow.array_record`]).stdout.toString()).toBe(lines.join("\n") + "\n");
    const missing = runCli(["import", "--from", "arrow", "--as", "binary", `gs://${BUCKET}/cli/no-such.arrow`, `s3://${BUCKET}/cli/never.array_record`]);
    expect(missing.status).not.toBe(0);
    expect(runCli(["info", `s3://${BUCKET}/cli/never.array_record`]).status).not.toBe(0); // nothing written under the final name
  });
});
