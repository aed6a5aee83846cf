/**
 * Cloud SDKs are optional peer dependencies: loaded on first use, so a program that never touches
 * `s3://` or `gs://` does not need them installed. A missing one is a clear error naming the package.
 */
import { ArrayRecordError } from "../format/errors.js";

/** Imports `name`, or throws UNSUPPORTED saying which package to install. */
export async function loadOptional<T>(name: string, forUrls: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") {
      throw new ArrayRecordError("UNSUPPORTED", `${forUrls} URLs need the optional package ${name}: npm install ${name}`, {}, { cause: e });
    }
    throw e;
  }
}
