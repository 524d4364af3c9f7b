import { describe, expect, it, vi } from "vitest";
import { ApiError } from "../api/client";
import type { Job, UploadSession } from "../api/model";
import { job } from "../test/fixtures";
import { fingerprint, savedState } from "./multipart";
import { UploadQueue, type UploadBackend, type UploadItem } from "./queue";
import { TransferError, type Put } from "./transfer";

const MiB = 1024 * 1024;
const fast = { pollMs: 1, retry: { attempts: 3, baseMs: 1, maxMs: 1 } };

function file(name: string, size: number) {
  return new File([new Uint8Array(size)], name, { type: "audio/wav", lastModified: 1_700_000_000_000 });
}

function ingested(key: string): Job {
  return job({ kind: "ingest", status: "succeeded", stage: "done", percent: 100, subject: { key }, result: { track_id: `track-of-${key}` } });
}

function backend(overrides: Partial<UploadBackend> = {}): UploadBackend & { puts: string[] } {
  const puts: string[] = [];
  const put: Put = async (url, body, _headers, onProgress) => {
    puts.push(url);
    onProgress(body.size / 2);
    onProgress(body.size);
    return { etag: `"etag-${url}"` };
  };
  return {
    puts,
    create: vi.fn(async (request): Promise<UploadSession> => ({
      upload_id: "u1", key: `uploads/me/u1/${request.filename}`, multipart: false, url: "https://s3/single",
      method: "PUT", headers: { "Content-Type": "audio/wav" },
    })),
    complete: vi.fn(async () => undefined),
    abort: vi.fn(async () => undefined),
    findJob: vi.fn(async (key: string) => ingested(key)),
    process: vi.fn(async (trackId: string) => job({ job_id: `process-${trackId}`, status: "queued" })),
    put: vi.fn(put),
    ...overrides,
  };
}

function multipartSession(parts: number): UploadBackend["create"] {
  return vi.fn(async () => ({
    upload_id: "u2", key: "uploads/me/u2/big.wav", multipart: true as const, s3_upload_id: "s3-1", part_size: 5 * MiB,
    parts: Array.from({ length: parts }, (_, i) => ({ part_number: i + 1, url: `https://s3/part-${i + 1}` })), method: "PUT" as const,
  }));
}

async function settle(queue: UploadQueue, done: (items: readonly UploadItem[]) => boolean = (items) =>
  items.every((i) => i.phase === "ready" || i.phase === "failed")) {
  await vi.waitFor(() => expect(done(queue.items)).toBe(true));
  return queue.items;
}

describe("UploadQueue", () => {
  it("uploads, waits for ingest, and processes the new track when auto-process is on", async () => {
    const api = backend();
    const onTrack = vi.fn();
    const queue = new UploadQueue(api, { ...fast, onTrack });
    queue.setAutoProcess(true);
    queue.add([file("a.wav", 1000)]);
    await settle(queue, (items) => Boolean(items[0]?.processJobId));
    const [item] = queue.items;
    expect(item).toMatchObject({ phase: "ready", loaded: 1000, trackId: "track-of-uploads/me/u1/a.wav",
      processJobId: "process-track-of-uploads/me/u1/a.wav" });
    expect(api.create).toHaveBeenCalledWith({ filename: "a.wav", size_bytes: 1000, content_type: "audio/wav" }, item!.id);
    expect(onTrack).toHaveBeenCalledWith(item!.trackId);
  });

  it("leaves processing to the user when auto-process is off", async () => {
    const api = backend();
    const queue = new UploadQueue(api, fast);
    queue.setAutoProcess(false);
    const [id] = queue.add([file("a.wav", 10)]);
    await settle(queue);
    expect(api.process).not.toHaveBeenCalled();
    await queue.process(id!);
    expect(queue.items[0]!.processJobId).toBe("process-track-of-uploads/me/u1/a.wav");
  });

  it("moves two files at a time", async () => {
    let inFlight = 0;
    let most = 0;
    const api = backend({
      put: vi.fn<Put>(async () => {
        most = Math.max(most, ++inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
        return { etag: null };
      }),
    });
    const queue = new UploadQueue(api, fast);
    queue.add([file("1.wav", 1), file("2.wav", 1), file("3.wav", 1), file("4.wav", 1)]);
    await settle(queue);
    expect(most).toBe(2);
    expect(queue.items.map((i) => i.phase)).toEqual(["ready", "ready", "ready", "ready"]);
  });

  it("sends big files in parts and retries a part the network dropped", async () => {
    let failures = 1;
    const api = backend({ create: multipartSession(3) });
    const put = api.put;
    api.put = vi.fn<Put>(async (url, ...rest) => {
      if (url.endsWith("part-2") && failures-- > 0) throw new TransferError("the network dropped", true);
      return put(url, ...rest);
    });
    const big = file("big.wav", 12 * MiB);
    const queue = new UploadQueue(api, fast);
    queue.add([big]);
    const [item] = await settle(queue);
    expect(item).toMatchObject({ phase: "ready", multipart: true, loaded: 12 * MiB });
    expect(api.put).toHaveBeenCalledTimes(4);
    expect(api.complete).toHaveBeenCalledWith("uploads/me/u2/big.wav", "s3-1", [
      { part_number: 1, etag: '"etag-https://s3/part-1"' },
      { part_number: 2, etag: '"etag-https://s3/part-2"' },
      { part_number: 3, etag: '"etag-https://s3/part-3"' },
    ]);
    expect(savedState.load(big)).toBeNull();  // finished: nothing left to resume
  });

  it("keeps finished parts when a part fails for good, and resumes with the rest", async () => {
    let down = true;
    const api = backend({ create: multipartSession(3) });
    const put = api.put;
    api.put = vi.fn<Put>(async (url, ...rest) => {
      if (url.endsWith("part-3") && down) throw new TransferError("the network dropped", true);
      return put(url, ...rest);
    });
    const big = file("big.wav", 12 * MiB);
    const queue = new UploadQueue(api, fast);
    const [id] = queue.add([big]);
    const [failed] = await settle(queue);
    expect(failed).toMatchObject({ phase: "failed", retryable: true, error: "the network dropped" });
    expect(Object.keys(savedState.load(big)!.etags)).toEqual(["1", "2"]);

    down = false;
    (api.put as ReturnType<typeof vi.fn>).mockClear();
    queue.retry(id!);
    const [item] = await settle(queue);
    expect(item!.phase).toBe("ready");
    expect((api.put as ReturnType<typeof vi.fn>).mock.calls.map((c) => c[0])).toEqual(["https://s3/part-3"]);
    expect(api.create).toHaveBeenCalledTimes(1);
  });

  it("resumes a multipart upload saved by an earlier page when the same file is dropped again", async () => {
    const big = file("big.wav", 12 * MiB);
    localStorage.setItem(`soundmosaic.multipart.${fingerprint(big)}`, JSON.stringify({
      key: "uploads/me/u9/big.wav", s3UploadId: "s3-9", partSize: 5 * MiB, createdAt: Date.now() - 60_000,
      parts: [1, 2, 3].map((n) => ({ part_number: n, url: `https://s3/old-${n}` })), etags: { 1: '"a"', 2: '"b"' },
    }));
    const api = backend();
    const queue = new UploadQueue(api, fast);
    queue.add([big]);
    const [item] = await settle(queue);
    expect(item).toMatchObject({ phase: "ready", resumed: true });
    expect(api.create).not.toHaveBeenCalled();
    expect(api.puts).toEqual(["https://s3/old-3"]);
    expect(api.complete).toHaveBeenCalledWith("uploads/me/u9/big.wav", "s3-9", expect.arrayContaining([{ part_number: 1, etag: '"a"' }]));
  });

  it("does not resume once the presigned part URLs have expired", () => {
    const big = file("big.wav", 12 * MiB);
    savedState.save(big, { key: "k", s3UploadId: "s", partSize: 1, parts: [], etags: {}, createdAt: Date.now() - 2 * 3600_000 });
    expect(savedState.load(big)).toBeNull();
  });

  it("asks again, with the same idempotency key, when the API fails for a passing reason", async () => {
    let outages = 1;
    const api = backend();
    const create = api.create;
    api.create = vi.fn<UploadBackend["create"]>(async (request, key) => {
      if (outages-- > 0) throw new ApiError("Internal Server Error", 500);
      return create(request, key);
    });
    let pollFailures = 2;
    const findJob = api.findJob;
    api.findJob = vi.fn(async (key: string) => {
      if (pollFailures-- > 0) throw new ApiError("The API cannot be reached. Check your connection.", 0);
      return findJob(key);
    });
    const queue = new UploadQueue(api, fast);
    queue.add([file("a.wav", 10)]);
    const [item] = await settle(queue);
    expect(item!.phase).toBe("ready");
    const keys = (api.create as ReturnType<typeof vi.fn>).mock.calls.map((c) => c[1]);
    expect(keys).toEqual([item!.id, item!.id]);
  });

  it("shows why ingest refused a file, without offering a pointless retry", async () => {
    const api = backend({
      findJob: vi.fn(async (key: string) => job({ kind: "ingest", status: "failed", subject: { key }, error: "not an audio file: video only" })),
    });
    const queue = new UploadQueue(api, fast);
    queue.add([file("movie.mp4", 10)]);
    const [item] = await settle(queue);
    expect(item).toMatchObject({ phase: "failed", retryable: false, error: "not an audio file: video only" });
  });

  it("gives up on errors that retrying cannot fix", async () => {
    const api = backend({ put: vi.fn<Put>(async () => { throw new TransferError("storage answered HTTP 403", false); }) });
    const queue = new UploadQueue(api, fast);
    queue.add([file("a.wav", 10)]);
    const [item] = await settle(queue);
    expect(item).toMatchObject({ phase: "failed", retryable: true, error: "storage answered HTTP 403" });
    expect(api.put).toHaveBeenCalledTimes(1);
  });

  it("cancelling a multipart upload aborts it on S3 and forgets it", async () => {
    const api = backend({ create: multipartSession(3), put: vi.fn<Put>((_u, _b, _h, _p, signal) =>
      new Promise((_, reject) => signal.addEventListener("abort", () => reject(new DOMException("cancelled", "AbortError"))))) });
    const big = file("big.wav", 12 * MiB);
    const queue = new UploadQueue(api, fast);
    const [id] = queue.add([big]);
    await vi.waitFor(() => expect(api.put).toHaveBeenCalled());
    queue.cancel(id!);
    expect(queue.items[0]!.phase).toBe("cancelled");
    expect(api.abort).toHaveBeenCalledWith("uploads/me/u2/big.wav", "s3-1");
    expect(savedState.load(big)).toBeNull();
  });
});
