/**
 * The royalty routes (`/api/royalties`, functions/api/royalties.py): a rights holder's
 * statement and chart, the artist's statement imports and their tracks' rights holders.
 *
 * Amounts arrive as exact decimal strings (`amount`) beside integer micros: the views show
 * the strings and use the integers only to size bars, never to add money up in floats.
 */
import { useMutation, useQuery } from "@tanstack/react-query";
import { decodeJwt, type Session } from "../auth/session";
import { api, ApiError, unwrap } from "./client";
import type { Job } from "./model";
import type { components } from "./schema";

type Schemas = components["schemas"];

// -- replies: the API's own (schema.d.ts, from functions/api/royalties.py) ---------------------

export type StatementRow = Schemas["StatementRow"];
export type CurrencyTotal = Schemas["CurrencyTotal"];
export type Statement = Schemas["Statement"];
export type Chart = Schemas["Chart"];
export type Allocation = Schemas["Allocation"];
export type HolderTrack = Schemas["HolderTrack"];
export type StatementUpload = Schemas["StatementUpload"];
export type ImportSummary = Schemas["ImportSummary"];
export type ImportStatus = Omit<Schemas["ImportStatus"], "job"> & { job: Job };
export type ImportError = Schemas["RejectedLine"];

// -- calls -------------------------------------------------------------------------------------

type Method = "get" | "post";
interface Init {
  params?: { query?: Record<string, string | number | undefined>; path?: Record<string, string> };
  body?: unknown;
  signal?: AbortSignal;
  parseAs?: "json" | "text";
}
const untyped = api as unknown as {
  request(method: Method, url: string, init?: Init): Promise<{ data?: unknown; error?: unknown; response: Response }>;
};
const call = <T>(method: Method, url: string, init?: Init) => unwrap<T>(untyped.request(method, url, init));

export interface Range {
  holder: string;
  from: string;
  to: string;
}

export const royalties = {
  statement: ({ holder, from, to }: Range, signal?: AbortSignal) =>
    call<Statement>("get", "/royalties/statements", { params: { query: { holder, from, to } }, signal }),
  statementCsv: ({ holder, from, to }: Range) =>
    call<string>("get", "/royalties/statements", { params: { query: { holder, from, to, format: "csv" } }, parseAs: "text" }),
  chart: ({ holder, from, to }: Range, signal?: AbortSignal) =>
    call<Chart>("get", "/royalties/chart", { params: { query: { holder, from, to } }, signal }),
  holders: (signal?: AbortSignal) => call<HolderTrack[]>("get", "/royalties/holders", { signal }),
  upload: (filename: string, sizeBytes: number) =>
    call<StatementUpload>("post", "/royalties/statements/uploads", { body: { filename, size_bytes: sizeBytes } }),
  startImport: (key: string, source?: string) =>
    call<Job>("post", "/royalties/imports", { body: source ? { key, source } : { key } }),
  importStatus: (importId: string, signal?: AbortSignal) =>
    call<ImportStatus>("get", "/royalties/imports/{import_id}", { params: { path: { import_id: importId } }, signal }),
  importErrors: (importId: string, signal?: AbortSignal) =>
    call<ImportError[]>("get", "/royalties/imports/{import_id}/errors", { params: { path: { import_id: importId } }, signal }),
};

/** The rights holder the session's token speaks for (`custom:holder_id`), if any. */
export function holderOf(session: Session | null): string | null {
  if (!session) return null;
  try {
    const holder = decodeJwt(session.token)["custom:holder_id"];
    return typeof holder === "string" && holder ? holder : null;
  } catch {
    return null;
  }
}

/** Upload a statement file where the API's presigned URL says, then start its import. */
export async function importStatement(file: File, source?: string): Promise<Job> {
  const target = await royalties.upload(file.name, file.size);
  let reply: Response;
  try {
    reply = await fetch(target.url, { method: "PUT", headers: target.headers, body: file });
  } catch {
    throw new ApiError("The upload could not reach storage. Check your connection.", 0);
  }
  if (!reply.ok) throw new ApiError(`Storage refused the upload (HTTP ${reply.status}).`, reply.status);
  return royalties.startImport(target.key, source);
}

// -- hooks -------------------------------------------------------------------------------------

const POLL_MS = 1500;

export const royaltyKeys = {
  statement: (range: Range) => ["royalties", "statement", range] as const,
  chart: (range: Range) => ["royalties", "chart", range] as const,
  holders: ["royalties", "holders"] as const,
  import: (id: string) => ["royalties", "import", id] as const,
  importErrors: (id: string) => ["royalties", "import-errors", id] as const,
};

export function useStatement(range: Range | null) {
  return useQuery({
    queryKey: royaltyKeys.statement(range ?? { holder: "", from: "", to: "" }),
    queryFn: ({ signal }) => royalties.statement(range!, signal),
    enabled: Boolean(range),
    retry: false,
  });
}

export function useChart(range: Range | null) {
  return useQuery({
    queryKey: royaltyKeys.chart(range ?? { holder: "", from: "", to: "" }),
    queryFn: ({ signal }) => royalties.chart(range!, signal),
    enabled: Boolean(range),
    retry: false,
  });
}

export function useHolders() {
  return useQuery({ queryKey: royaltyKeys.holders, queryFn: ({ signal }) => royalties.holders(signal), retry: false });
}

export function useImportStatement() {
  return useMutation({ mutationFn: ({ file, source }: { file: File; source?: string }) => importStatement(file, source) });
}

/** An import, polled until its job finishes and its summary is written. */
export function useImport(importId: string | null) {
  return useQuery({
    queryKey: royaltyKeys.import(importId ?? ""),
    queryFn: ({ signal }) => royalties.importStatus(importId!, signal),
    enabled: Boolean(importId),
    refetchInterval: (q) => {
      const data = q.state.data;
      if (!data) return POLL_MS;
      const finished = data.job.status === "succeeded" || data.job.status === "failed";
      return finished && (data.summary || data.job.status === "failed") ? false : POLL_MS;
    },
  });
}

export function useImportErrors(importId: string | null, enabled: boolean) {
  return useQuery({
    queryKey: royaltyKeys.importErrors(importId ?? ""),
    queryFn: ({ signal }) => royalties.importErrors(importId!, signal),
    enabled: Boolean(importId) && enabled,
  });
}
