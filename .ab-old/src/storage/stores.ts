/** One lazily made {@link ObjectStore} per URL scheme, shared by everything in this process (or worker). */
import type { ObjectStore } from "./object-store.js";
import { parseObjectUrl, type StoreScheme } from "./url.js";

const stores = new Map<StoreScheme, Promise<ObjectStore>>();

/** The store serving `url` (its SDK is loaded on first use). */
export function storeFor(url: string): Promise<ObjectStore> {
  const { scheme } = parseObjectUrl(url);
  let store = stores.get(scheme);
  if (store === undefined) {
    store = makeStore(scheme);
    store.catch(() => stores.delete(scheme)); // a missing SDK is reported again next time, not cached
    stores.set(scheme, store);
  }
  return store;
}

async function makeStore(scheme: StoreScheme): Promise<ObjectStore> {
  switch (scheme) {
    case "s3":
      return (await import("./s3-store.js")).S3Store.create();
    case "gs":
      return (await import("./gcs-store.js")).GcsStore.create();
    case "http":
      return (await import("./http-store.js")).HttpStore.create();
  }
}

/** Forgets the stores, so the next use reads the environment again (tests switch endpoints). */
export function resetStores(): void {
  stores.clear();
}
