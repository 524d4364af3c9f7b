/** The upload queue's backend: the API for sessions and jobs, XHR for the bytes. */
import { api, unwrap } from "../api/client";
import type { Job, JobPage, UploadSession } from "../api/model";
import type { UploadBackend } from "./queue";
import { xhrPut } from "./transfer";

export const apiBackend: UploadBackend = {
  create: (request, idempotencyKey) =>
    unwrap<UploadSession>(api.POST("/uploads", { body: request, headers: { "Idempotency-Key": idempotencyKey } })),
  complete: async (key, s3UploadId, parts) => {
    await unwrap(api.POST("/uploads/complete", { body: { key, s3_upload_id: s3UploadId, parts } }));
  },
  abort: async (key, s3UploadId) => {
    await unwrap(api.POST("/uploads/abort", { body: { key, s3_upload_id: s3UploadId } }));
  },
  findJob: async (key) => {
    const page = await unwrap<JobPage>(api.GET("/jobs", { params: { query: { limit: 100 } } }));
    return page.items.find((job) => job.kind === "ingest" && job.subject.key === key) ?? null;
  },
  process: (trackId) =>
    unwrap<Job>(api.POST("/tracks/{track_id}/process", { params: { path: { track_id: trackId } }, body: {} })),
  put: xhrPut,
};
