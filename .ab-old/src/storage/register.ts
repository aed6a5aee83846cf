/**
 * Registers the object-store opener with the core, so `ArrayRecordReader.open("s3://…")`, the writer,
 * the data source and globs take `s3://`, `gs://` and `http(s)://` URLs. Importing the package entry
 * point does this; nothing loads a cloud SDK before the first such URL is used.
 */
import { ArrayRecordError } from "../format/errors.js";
import { registerPathOpener, type PathOpener } from "../format/bytes/path-openers.js";
import { globPlan } from "./glob.js";
import { RemoteByteSource } from "./remote-source.js";
import { BridgedByteSink, RemoteByteSink } from "./remote-sink.js";
import { storeFor } from "./stores.js";
import { storageBridge } from "./sync-bridge.js";
import { isObjectUrl, parseObjectUrl } from "./url.js";

function checkWritable(url: string): void {
  if (parseObjectUrl(url).scheme === "http") throw new ArrayRecordError("UNSUPPORTED", "http(s) URLs are read-only", { file: url });
}

/** The opener for object URLs. */
export const objectStoreOpener: PathOpener = {
  handles: isObjectUrl,
  openSource: (url) => RemoteByteSource.open(url),
  openSourceSync: (url) => RemoteByteSource.openSync(url),
  openSourcesSync: (urls) => RemoteByteSource.openManySync(urls),
  createSink: async (url) => {
    checkWritable(url);
    return RemoteByteSink.create(url);
  },
  createSinkSync: (url) => {
    checkWritable(url);
    return BridgedByteSink.createSync(url);
  },
  glob: async (pattern) => {
    const { prefix, matches } = globPlan(pattern);
    return (await (await storeFor(prefix)).list(prefix)).filter(matches);
  },
  globSync: (pattern) => {
    const { prefix, matches } = globPlan(pattern);
    return storageBridge().list(prefix).filter(matches);
  },
};

registerPathOpener(objectStoreOpener);
