/**
 * Multipart uploads that survive a network drop and a page reload: parts go up a few at a time,
 * each with its own retries, and every finished part's ETag is saved in localStorage, so the
 * same file dropped again (while the presigned part URLs are valid) sends only what is missing.
 */
import type { MultipartUpload } from "../api/model";
import { withRetry, type Put, type RetryPolicy } from "./transfer";

const PREFIX = "soundmosaic.multipart.";
// Part URLs are presigned for an hour: resume only sessions safely younger than that.
const RESUMABLE_MS = 50 * 60 * 1000;

export interface MultipartState {
  key: string;
  s3UploadId: string;
  partSize: number;
  parts: { part_number: number; url: string }[];
  etags: Record<number, string>;
  createdAt: number;
}

export const fingerprint = (file: File) => `${file.name}:${file.size}:${file.lastModified}`;

export function startState(session: MultipartUpload, now = Date.now()): MultipartState {
  return {
    key: session.key,
    s3UploadId: session.s3_upload_id,
    partSize: session.part_size,
    parts: session.parts,
    etags: {},
    createdAt: now,
  };
}

export const savedState = {
  load(file: File, now = Date.now()): MultipartState | null {
    try {
      const state = JSON.parse(localStorage.getItem(PREFIX + fingerprint(file)) ?? "null") as MultipartState | null;
      return state && now - state.createdAt < RESUMABLE_MS ? state : null;
    } catch {
      return null;
    }
  },
  save(file: File, state: MultipartState) {
    localStorage.setItem(PREFIX + fingerprint(file), JSON.stringify(state));
  },
  forget(file: File) {
    localStorage.removeItem(PREFIX + fingerprint(file));
  },
};

export interface PartsOptions {
  put: Put;
  signal: AbortSignal;
  concurrency?: number;
  retry?: RetryPolicy;
  /** bytes sent so far, finished parts and those in flight */
  onProgress: (loaded: number) => void;
  onPartDone: (state: MultipartState) => void;
  onRetry: (error: Error, attempt: number) => void;
}

/** Send every part that has no ETag yet; resolves with the parts list for completion. */
export async function sendParts(file: File, state: MultipartState, options: PartsOptions) {
  const { put, concurrency = 3 } = options;
  // One part failing for good stops the others: the upload is resumed as a whole.
  const stop = new AbortController();
  const signal = stop.signal;
  options.signal.addEventListener("abort", () => stop.abort(), { once: true });
  const partBytes = (n: number) => Math.min(file.size, n * state.partSize) - (n - 1) * state.partSize;
  const inFlight = new Map<number, number>();
  let done = Object.keys(state.etags).reduce((sum, n) => sum + partBytes(Number(n)), 0);
  const report = () => options.onProgress(done + [...inFlight.values()].reduce((a, b) => a + b, 0));
  const pending = state.parts.filter((p) => !state.etags[p.part_number]);
  report();

  const worker = async () => {
    for (let part = pending.shift(); part; part = pending.shift()) {
      const { part_number: n, url } = part;
      const body = file.slice((n - 1) * state.partSize, Math.min(file.size, n * state.partSize));
      const { etag } = await withRetry(() => {
        inFlight.set(n, 0);
        return put(url, body, {}, (loaded) => {
          inFlight.set(n, loaded);
          report();
        }, signal);
      }, signal, options.onRetry, options.retry);
      if (!etag) throw new Error("storage did not expose the part's ETag (check the bucket's CORS ExposeHeaders)");
      inFlight.delete(n);
      done += body.size;
      state.etags[n] = etag;
      options.onPartDone(state);
      report();
    }
  };
  const guarded = () => worker().catch((err: unknown) => {
    stop.abort();
    throw err;
  });
  await Promise.all(Array.from({ length: Math.min(concurrency, pending.length) }, guarded));
  return state.parts.map((p) => ({ part_number: p.part_number, etag: state.etags[p.part_number]! }));
}
