/**
 * The typed API client: openapi-fetch over the paths generated from `web/openapi.json`,
 * with the bearer token added to every request and a 401 ending the session.
 */
import createClient, { type Middleware } from "openapi-fetch";
import { getSession, signOut } from "../auth/session";
import type { paths } from "./schema";

/** `VITE_API_BASE` (Netlify) or the SPA's own origin (the local server serves both). */
export const API_ROOT = new URL(`${(import.meta.env.VITE_API_BASE ?? "").replace(/\/$/, "")}/api`, window.location.origin).href;

export class ApiError extends Error {
  constructor(message: string, readonly status: number) {
    super(message);
    this.name = "ApiError";
  }
}

const auth: Middleware = {
  onRequest({ request }) {
    const session = getSession();
    if (session && !request.headers.has("Authorization")) {
      request.headers.set("Authorization", `Bearer ${session.token}`);
    }
    return request;
  },
  onResponse({ request, response }) {
    const sent = request.headers.get("Authorization");
    if (response.status === 401 && sent && sent === `Bearer ${getSession()?.token}`) {
      signOut("Your session ended (the API did not accept the token). Please sign in again.");
    }
    return response;
  },
};

// fetch is looked up per call, not captured once, so tests (and extensions) can replace it.
export const api = createClient<paths>({ baseUrl: API_ROOT, fetch: (request) => globalThis.fetch(request) });
api.use(auth);

/** A readable sentence from an API error body (Powertools: `message`; validation: `detail`). */
export function errorMessage(body: unknown, status: number): string {
  if (body && typeof body === "object") {
    const { message, detail } = body as { message?: unknown; detail?: unknown };
    if (typeof message === "string" && message) return message;
    if (Array.isArray(detail) && detail.length) {
      return detail
        .map((d: { loc?: unknown[]; msg?: string }) => `${(d.loc ?? []).slice(1).join(".")}: ${d.msg ?? "invalid"}`)
        .join("; ");
    }
  }
  if (status === 0) return "The API cannot be reached. Check your connection.";
  return `The API answered HTTP ${status}.`;
}

/** Await an openapi-fetch call: its data as `T`, or an `ApiError`. */
export async function unwrap<T>(call: Promise<{ data?: unknown; error?: unknown; response: Response }>): Promise<T> {
  let result;
  try {
    result = await call;
  } catch (err) {
    throw new ApiError(err instanceof Error && err.name === "AbortError" ? "cancelled" : errorMessage(null, 0), 0);
  }
  if (result.error !== undefined || !result.response.ok) {
    throw new ApiError(errorMessage(result.error, result.response.status), result.response.status);
  }
  return result.data as T;
}
