/** Loading the Beam parts on demand: apache-beam is an optional peer dependency. */
import { ArrayRecordError } from "../format/errors.js";

/** The pipelines module, or a clear error when apache-beam is not installed. */
export async function loadPipelines(): Promise<typeof import("../pipelines/index.js")> {
  try {
    await import("../beam.js");
    return await import("../pipelines/index.js");
  } catch (e) {
    const code = (e as { code?: string }).code;
    if ((code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") && String((e as Error).message).includes("apache-beam")) {
      throw new ArrayRecordError("UNSUPPORTED", "this command runs an Apache Beam pipeline: install the SDK with `npm install apache-beam@2.49.0`");
    }
    throw e;
  }
}
