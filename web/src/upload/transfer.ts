import { ApiError } from "../api/client";

/**
 * Moving bytes to S3: a presigned PUT with upload progress (XMLHttpRequest: fetch cannot report
 * upload progress), and retries with backoff that wait for the network to come back.
 */

export class TransferError extends Error {
  constructor(message: string, readonly retryable: boolean) {
    super(message);
    this.name = "TransferError";
  }
}

export type Put = (
  url: string,
  body: Blob,
  headers: Record<string, string>,
  onProgress: (loaded: number) => void,
  signal: AbortSignal,
) => Promise<{ etag: string | null }>;

/** PUT `body` to a presigned URL; resolves with the ETag S3 returned (CORS exposes it). */
export const xhrPut: Put = (url, body, headers, onProgress, signal) =>
  new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", url);
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => onProgress(event.loaded);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(body.size);
        resolve({ etag: xhr.getResponseHeader("ETag") });
      } else {
        const retryable = xhr.status >= 500 || xhr.status === 408 || xhr.status === 429;
        reject(new TransferError(`storage answered HTTP ${xhr.status}`, retryable));
      }
    };
    xhr.onerror = () => reject(new TransferError("the network dropped", true));
    xhr.ontimeout = () => reject(new TransferError("the upload timed out", true));
    xhr.onabort = () => reject(new DOMException("cancelled", "AbortError"));
    signal.addEventListener("abort", () => xhr.abort(), { once: true });
    xhr.send(body);
  });

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(new DOMException("cancelled", "AbortError"));
    }, { once: true });
  });
}

function online(signal: AbortSignal): Promise<void> {
  if (typeof navigator === "undefined" || navigator.onLine) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = () => {
      window.removeEventListener("online", done);
      resolve();
    };
    window.addEventListener("online", done);
    signal.addEventListener("abort", () => {
      window.removeEventListener("online", done);
      reject(new DOMException("cancelled", "AbortError"));
    }, { once: true });
  });
}

/** Worth trying again: a dropped connection, a timeout, throttling or a server-side error. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof TransferError) return error.retryable;
  return error instanceof ApiError && (error.status === 0 || error.status === 429 || error.status >= 500);
}

export interface RetryPolicy {
  attempts: number;
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 8, baseMs: 1000, maxMs: 30_000 };

/**
 * Run `attempt` until it succeeds, it fails for good, or the attempts run out. Between tries
 * it waits (exponential backoff, then until the browser is online again) and tells `onRetry`.
 */
export async function withRetry<T>(
  attempt: () => Promise<T>,
  signal: AbortSignal,
  onRetry: (error: Error, next: number) => void,
  policy: RetryPolicy = DEFAULT_RETRY,
): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      const error = err as Error;
      if (signal.aborted || !isRetryable(error) || n >= policy.attempts) throw error;
      onRetry(error, n + 1);
      await sleep(Math.min(policy.maxMs, policy.baseMs * 2 ** (n - 1)), signal);
      await online(signal);
    }
  }
}
