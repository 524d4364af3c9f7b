/**
 * The event booth routes (`/api/booth/*`, functions/api/booth.py; docs/booth.md): events,
 * the kiosk's capture, jobs, prints, the organiser's participants, export, erasure, templates,
 * collages, and the participant's own page by code (the one call without a token).
 */
import { getSession, decodeJwt } from "../auth/session";
import { API_ROOT, ApiError, api, errorMessage, unwrap } from "./client";
import type { components } from "./schema";

export type BoothEvent = components["schemas"]["Event"];
export type Captured = components["schemas"]["Captured"];
export type Participant = components["schemas"]["Participant"];
export type PrintItem = components["schemas"]["PrintItem"];
export type Template = components["schemas"]["Template"];
export type BoothJob = components["schemas"]["Job"];
export type MyMedia = components["schemas"]["MyMedia"];
export interface Consent { key: string; text: string; required: boolean }
export interface ConsentAnswer { key: string; text: string; accepted: boolean }
export interface CaptureForm { name: string; email: string; phone: string; consents: ConsentAnswer[] }

/** A 400 from the capture form: one message per bad field. */
export class FormErrors extends Error {
  constructor(readonly errors: Record<string, string>) {
    super("the form has errors");
  }
}

/** The caller's booth role and kiosk event, from the token's claims (the API checks them). */
export function boothRole(): { role: "organiser" | "operator" | null; event: string | null } {
  const token = getSession()?.token;
  if (!token) return { role: null, event: null };
  try {
    const claims = decodeJwt(token) as Record<string, unknown>;
    const role = claims["custom:booth_role"];
    const event = claims["custom:booth_event"];
    return {
      role: role === "organiser" || role === "operator" ? role : null,
      event: typeof event === "string" ? event : null,
    };
  } catch {
    return { role: null, event: null };
  }
}

export const listEvents = () => unwrap<{ event_id: string; name: string }[]>(api.GET("/booth/events"));
export const getEvent = (eventId: string) =>
  unwrap<BoothEvent>(api.GET("/booth/events/{event_id}", { params: { path: { event_id: eventId } } }));
export const createEvent = (name: string, retentionDays: number) =>
  unwrap<BoothEvent>(api.POST("/booth/events", { body: { name, retention_days: retentionDays } }));
export const templates = (eventId: string) =>
  unwrap<Template[]>(api.GET("/booth/events/{event_id}/templates", { params: { path: { event_id: eventId } } }));
export const addTemplate = (eventId: string, kind: "musician" | "background", title: string, file: File) =>
  unwrap<Template>(api.POST("/booth/events/{event_id}/templates", {
    params: { path: { event_id: eventId } },
    body: { kind, title, content_type: (file.type || "video/mp4") as "video/mp4" },
  })).then(async (made) => {
    if (made.upload) await put(made.upload, file);
    return made;
  });

export async function capture(eventId: string, form: CaptureForm): Promise<Captured> {
  const result = await api.POST("/booth/events/{event_id}/participants", {
    params: { path: { event_id: eventId } }, body: form,
  });
  if (result.response.status === 400) {
    const body = result.error as { errors?: Record<string, string> } | undefined;
    if (body?.errors) throw new FormErrors(body.errors);
  }
  return unwrap<Captured>(Promise.resolve(result));
}

/** PUT a file to a presigned URL with the headers the API asked for (the retention tag too). */
export async function put(upload: { url: string; headers: Record<string, string> }, body: Blob): Promise<void> {
  const reply = await fetch(upload.url, { method: "PUT", body, headers: upload.headers });
  if (!reply.ok) throw new ApiError(`the upload failed (HTTP ${reply.status})`, reply.status);
}

export const startJob = (eventId: string, participantId: string, templateId: string) =>
  unwrap<BoothJob>(api.POST("/booth/events/{event_id}/participants/{participant_id}/jobs", {
    params: { path: { event_id: eventId, participant_id: participantId } }, body: { template_id: templateId },
  }));
export const jobs = (eventId: string) =>
  unwrap<BoothJob[]>(api.GET("/booth/events/{event_id}/jobs", { params: { path: { event_id: eventId } } }));
export const participants = (eventId: string) =>
  unwrap<Participant[]>(api.GET("/booth/events/{event_id}/participants", { params: { path: { event_id: eventId } } }));
export const erase = (eventId: string, participantId: string) =>
  unwrap<unknown>(api.DELETE("/booth/events/{event_id}/participants/{participant_id}", {
    params: { path: { event_id: eventId, participant_id: participantId } },
  }));
export const prints = (eventId: string) =>
  unwrap<PrintItem[]>(api.GET("/booth/events/{event_id}/prints", { params: { path: { event_id: eventId } } }));
export const markPrinted = (eventId: string, participantId: string) =>
  unwrap<unknown>(api.POST("/booth/events/{event_id}/prints/{participant_id}/printed", {
    params: { path: { event_id: eventId, participant_id: participantId } },
  }));
export const reprint = (eventId: string, participantId: string) =>
  unwrap<unknown>(api.POST("/booth/events/{event_id}/prints/{participant_id}/reprint", {
    params: { path: { event_id: eventId, participant_id: participantId } },
  }));
export const requestCollage = (eventId: string, size: number) =>
  unwrap<unknown>(api.POST("/booth/events/{event_id}/collages", {
    params: { path: { event_id: eventId } }, body: { size },
  }));

/** The organiser's CSV, fetched with the token and handed to the browser as a download. */
export async function downloadExport(eventId: string): Promise<void> {
  const reply = await fetch(`${API_ROOT}/booth/events/${eventId}/export`, {
    headers: { Authorization: `Bearer ${getSession()?.token ?? ""}` },
  });
  if (!reply.ok) throw new ApiError(errorMessage(await reply.json().catch(() => null), reply.status), reply.status);
  const url = URL.createObjectURL(await reply.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = `participants-${eventId}.csv`;
  link.click();
  URL.revokeObjectURL(url);
}

/** The participant's own page: no token, the code is the credential. */
export async function myMedia(code: string): Promise<MyMedia> {
  const reply = await fetch(`${API_ROOT}/booth/public/media/${encodeURIComponent(code)}`);
  const body: unknown = await reply.json().catch(() => null);
  if (!reply.ok) throw new ApiError(errorMessage(body, reply.status), reply.status);
  return body as MyMedia;
}
