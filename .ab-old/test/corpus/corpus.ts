/**
 * Where the shared reference corpus is (../shared beside the repository) and how many files each
 * part holds: every loop over it asserts these counts, so an emptied or moved folder fails the
 * suite instead of passing over nothing.
 */
import * as fs from "node:fs";
import { fileURLToPath } from "node:url";

/** The shared corpus root. */
export const SHARED_DIR = fileURLToPath(new URL("../../../shared/", import.meta.url));
/** Apache Arrow integration files (`.arrow_file` and `.stream`, each with a `.json.gz`). */
export const ARROW_DIR = new URL("../../../shared/interop/arrow/", import.meta.url);
/** Arrow files there: 8 generated tables, each as an IPC file and an IPC stream. */
export const ARROW_FILE_COUNT = 16;

if (!fs.existsSync(SHARED_DIR)) {
  throw new Error(`the shared corpus is missing: ${SHARED_DIR} (npm run test:corpus needs ../shared beside the repository)`);
}
