/**
 * The upload queue: each dropped file goes upload -> ingest (the API's ingest job checks and
 * records it) -> a track, optionally straight into processing. Two files move at a time.
 * React reads it with `useSyncExternalStore`; the backend is injected so tests can fake it.
 */
import type { Job, UploadRequest, UploadSession } from "../api/model";
import { savedState, sendParts, startState, type MultipartState } from "./multipart";
import { isRetryable, sleep, withRetry, type Put, type RetryPolicy } from "./transfer";

export type UploadPhase = "queued" | "uploading" | "ingesting" | "ready" | "failed" | "cancelled";

export interface UploadItem {
  id: string;
  name: string;
  size: number;
  phase: UploadPhase;
  /** bytes sent */
  loaded: number;
  multipart: boolean;
  /** parts found already uploaded by an earlier attempt */
  resumed: boolean;
  /** a note while retrying ("the network dropped; retry 2 of 8") */
  notice: string | null;
  error: string | null;
  /** the failure happened while sending bytes, so trying again can help (and resumes) */
  retryable: boolean;
  ingest: Pick<Job, "stage" | "percent"> | null;
  trackId: string | null;
  /** the processing job, once started (automatically or with the Process action) */
  processJobId: string | null;
}

export interface UploadBackend {
  create(request: UploadRequest, idempotencyKey: string): Promise<UploadSession>;
  complete(key: string, s3UploadId: string, parts: { part_number: number; etag: string }[]): Promise<void>;
  abort(key: string, s3UploadId: string): Promise<void>;
  /** the ingest job of an uploads-bucket key, once it exists */
  findJob(key: string): Promise<Job | null>;
  process(trackId: string): Promise<Job>;
  put: Put;
}

export interface QueueOptions {
  concurrency?: number;
  pollMs?: number;
  ingestTimeoutMs?: number;
  retry?: RetryPolicy;
  /** a file became a track (refresh the library) */
  onTrack?: (trackId: string) => void;
}

const AUTO_PROCESS_KEY = "soundmosaic.autoProcess";

export interface QueueState {
  items: UploadItem[];
  autoProcess: boolean;
}

export class UploadQueue {
  private state: QueueState;
  private files = new Map<string, File>();
  private controllers = new Map<string, AbortController>();
  private multipart = new Map<string, MultipartState>();
  private listeners = new Set<() => void>();
  private active = 0;

  constructor(private backend: UploadBackend, private options: QueueOptions = {}) {
    this.state = { items: [], autoProcess: localStorage.getItem(AUTO_PROCESS_KEY) !== "false" };
  }

  // -- store ----------------------------------------------------------------------------------

  subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  snapshot = () => this.state;

  get items() {
    return this.state.items;
  }

  private publish(change: Partial<QueueState>) {
    this.state = { ...this.state, ...change };
    this.listeners.forEach((listener) => listener());
  }

  private update(id: string, change: Partial<UploadItem>) {
    this.publish({ items: this.items.map((item) => (item.id === id ? { ...item, ...change } : item)) });
  }

  private item(id: string) {
    return this.items.find((item) => item.id === id);
  }

  // -- actions --------------------------------------------------------------------------------

  setAutoProcess(on: boolean) {
    localStorage.setItem(AUTO_PROCESS_KEY, String(on));
    this.publish({ autoProcess: on });
  }

  add(files: Iterable<File>) {
    const added: UploadItem[] = [];
    for (const file of files) {
      const id = crypto.randomUUID();
      this.files.set(id, file);
      added.push({
        id, name: file.name, size: file.size, phase: "queued", loaded: 0, multipart: false, resumed: false,
        notice: null, error: null, retryable: false, ingest: null, trackId: null, processJobId: null,
      });
    }
    this.publish({ items: [...added, ...this.items] });
    this.pump();
    return added.map((item) => item.id);
  }

  retry(id: string) {
    const item = this.item(id);
    if (!item || !(item.phase === "cancelled" || (item.phase === "failed" && item.retryable))) return;
    this.update(id, { phase: "queued", error: null, notice: null, retryable: false });
    this.pump();
  }

  /** Stop an upload; a multipart upload is aborted on S3 so its parts are not kept. */
  cancel(id: string) {
    const item = this.item(id);
    if (!item || (item.phase !== "queued" && item.phase !== "uploading")) return;
    this.controllers.get(id)?.abort();
    const state = this.multipart.get(id);
    const file = this.files.get(id);
    if (state && file) {
      savedState.forget(file);
      this.multipart.delete(id);
      this.backend.abort(state.key, state.s3UploadId).catch(() => undefined);  // lifecycle rules clean up otherwise
    }
    this.update(id, { phase: "cancelled", notice: null, loaded: 0 });
  }

  /** Stop everything in flight (the user signed out); parts already sent stay resumable. */
  stopAll() {
    this.controllers.forEach((controller) => controller.abort());
  }

  dismiss(id: string) {
    const item = this.item(id);
    if (!item || item.phase === "uploading" || item.phase === "ingesting") return;
    this.files.delete(id);
    this.publish({ items: this.items.filter((i) => i.id !== id) });
  }

  async process(id: string) {
    const item = this.item(id);
    if (!item?.trackId) return;
    try {
      const job = await this.backend.process(item.trackId);
      this.update(id, { processJobId: job.job_id, error: null });
    } catch (err) {
      this.update(id, { error: `Could not start processing: ${(err as Error).message}` });
    }
  }

  // -- work -----------------------------------------------------------------------------------

  private pump() {
    const limit = this.options.concurrency ?? 2;
    for (const item of this.items.slice().reverse()) {  // oldest first
      if (this.active >= limit) return;
      if (item.phase !== "queued") continue;
      this.active++;
      this.update(item.id, { phase: "uploading" });
      void this.run(item.id).finally(() => {
        this.active--;
        this.pump();
      });
    }
  }

  private async run(id: string) {
    const file = this.files.get(id)!;
    const controller = new AbortController();
    this.controllers.set(id, controller);
    const signal = controller.signal;
    const onRetry = (error: Error, attempt: number) =>
      this.update(id, { notice: `${error.message}; retry ${attempt} of ${(this.options.retry?.attempts ?? 8)}` });
    let sent = false;
    try {
      const key = await this.upload(id, file, signal, onRetry);
      sent = true;
      this.update(id, { phase: "ingesting", notice: null, loaded: file.size });
      const job = await this.waitForIngest(id, key, signal);
      if (job.status === "failed") throw new Error(job.error ?? "the file was refused");
      const trackId = job.result.track_id!;
      this.update(id, { phase: "ready", trackId, ingest: null });
      this.options.onTrack?.(trackId);
      if (this.state.autoProcess) await this.process(id);
    } catch (err) {
      if (signal.aborted) return;
      this.update(id, { phase: "failed", notice: null, error: (err as Error).message, retryable: !sent });
    } finally {
      this.controllers.delete(id);
    }
  }

  private async upload(id: string, file: File, signal: AbortSignal, onRetry: (e: Error, n: number) => void) {
    const resumable = this.multipart.get(id) ?? savedState.load(file);
    if (resumable) {
      this.update(id, { multipart: true, resumed: Object.keys(resumable.etags).length > 0 });
      return this.sendMultipart(id, file, resumable, signal, onRetry);
    }
    // The item id is the Idempotency-Key: a retried request gets the same upload back.
    const request = { filename: file.name, size_bytes: file.size, content_type: file.type || null };
    const session = await withRetry(() => this.backend.create(request, id), signal, onRetry, this.options.retry);
    if (session.multipart) {
      this.update(id, { multipart: true });
      return this.sendMultipart(id, file, startState(session), signal, onRetry);
    }
    await withRetry(
      () => this.backend.put(session.url, file, session.headers, (loaded) => this.update(id, { loaded }), signal),
      signal, onRetry, this.options.retry);
    return session.key;
  }

  private async sendMultipart(id: string, file: File, state: MultipartState, signal: AbortSignal,
    onRetry: (e: Error, n: number) => void) {
    this.multipart.set(id, state);
    savedState.save(file, state);
    const parts = await sendParts(file, state, {
      put: this.backend.put, signal, retry: this.options.retry, onRetry,
      onProgress: (loaded) => this.update(id, { loaded, notice: null }),
      onPartDone: (s) => savedState.save(file, s),
    });
    await withRetry(() => this.backend.complete(state.key, state.s3UploadId, parts), signal, onRetry,
      this.options.retry);
    savedState.forget(file);
    this.multipart.delete(id);
    return state.key;
  }

  private async waitForIngest(id: string, key: string, signal: AbortSignal): Promise<Job> {
    const deadline = Date.now() + (this.options.ingestTimeoutMs ?? 10 * 60 * 1000);
    while (Date.now() < deadline) {
      // A poll that fails for a passing reason is simply asked again next time.
      const job = await this.backend.findJob(key).catch((err: unknown) => {
        if (isRetryable(err)) return null;
        throw err;
      });
      if (job) {
        this.update(id, { ingest: { stage: job.stage, percent: job.percent } });
        if (job.status === "succeeded" || job.status === "failed") return job;
      }
      await sleep(this.options.pollMs ?? 1000, signal);
    }
    throw new Error("the file was uploaded but its check did not finish in time; see the jobs list");
  }
}
