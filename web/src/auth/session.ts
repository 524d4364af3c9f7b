/**
 * The signed-in session: a bearer token (a local dev token or a Cognito ID token) kept in
 * localStorage, with its expiry read from the JWT. Components read it through `useSession`.
 */
import { useSyncExternalStore } from "react";

const STORAGE_KEY = "soundmosaic.session";

export interface Session {
  token: string;
  kind: "dev" | "cognito";
  /** who the token speaks for: the artist id claim, the e-mail, or the subject */
  name: string;
  /** epoch milliseconds, or null when the token does not expire */
  expiresAt: number | null;
}

export interface Claims {
  sub?: string;
  exp?: number;
  email?: string;
  "custom:artist_id"?: string;
  [claim: string]: unknown;
}

/** The payload of a JWT, without checking its signature (the API does that). */
export function decodeJwt(token: string): Claims {
  const part = token.split(".")[1];
  if (!part || token.split(".").length !== 3) throw new Error("that is not a token (expected three dot-separated parts)");
  const base64 = part.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(part.length / 4) * 4, "=");
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const claims: unknown = JSON.parse(new TextDecoder().decode(bytes));
  if (typeof claims !== "object" || claims === null) throw new Error("the token holds no claims");
  return claims as Claims;
}

export function sessionFromToken(token: string, kind: Session["kind"]): Session {
  const claims = decodeJwt(token.trim());
  return {
    token: token.trim(),
    kind,
    name: claims["custom:artist_id"] ?? claims.email ?? claims.sub ?? "artist",
    expiresAt: typeof claims.exp === "number" ? claims.exp * 1000 : null,
  };
}

const listeners = new Set<() => void>();
let current: Session | null = read();
let endedReason: string | null = null;

function read(): Session | null {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    const session = stored ? (JSON.parse(stored) as Session) : null;
    return session && (session.expiresAt === null || session.expiresAt > Date.now()) ? session : null;
  } catch {
    return null;
  }
}

function publish(session: Session | null) {
  current = session;
  if (session) localStorage.setItem(STORAGE_KEY, JSON.stringify(session));
  else localStorage.removeItem(STORAGE_KEY);
  listeners.forEach((listener) => listener());
}

export function signIn(session: Session) {
  endedReason = null;
  publish(session);
}

/** Forget the token; `reason` is shown on the sign-in page (e.g. the token expired). */
export function signOut(reason: string | null = null) {
  endedReason = reason;
  publish(null);
}

export function getSession(): Session | null {
  if (current && current.expiresAt !== null && current.expiresAt <= Date.now()) {
    signOut("Your session expired. Please sign in again.");
  }
  return current;
}

export function signOutReason(): string | null {
  return endedReason;
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useSession(): Session | null {
  return useSyncExternalStore(subscribe, getSession);
}

/** The Cognito group whose members add rights holders (the API's `auth.ROYALTY_ADMINS`). */
export const ROYALTY_ADMINS = "royalty-admins";

/**
 * Whether the token's `cognito:groups` holds the royalty admins. It only decides what the SPA
 * shows: the API checks the signed claim on every call.
 */
export function isRoyaltyAdmin(session: Session | null): boolean {
  if (!session) return false;
  try {
    const groups = decodeJwt(session.token)["cognito:groups"];
    const list = Array.isArray(groups) ? groups : typeof groups === "string" ? groups.replace(/[[\],]/g, " ").split(/\s+/) : [];
    return list.includes(ROYALTY_ADMINS);
  } catch {
    return false;
  }
}
