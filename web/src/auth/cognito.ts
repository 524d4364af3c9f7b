/**
 * Sign-in through the Cognito hosted UI: OAuth 2.0 authorization code flow with PKCE
 * (RFC 7636) for a public client without a secret. Enabled when the build sets
 * VITE_COGNITO_DOMAIN (the Auth stack's `HostedUiDomain` output) and VITE_COGNITO_CLIENT_ID
 * (`UserPoolClientId`). The ID token is the bearer token: it carries `custom:artist_id`.
 */
export const CALLBACK_PATH = "/auth/callback";
const PENDING_KEY = "soundmosaic.pkce";

export interface CognitoConfig {
  domain: string;
  clientId: string;
}

export function cognitoConfig(env: ImportMetaEnv = import.meta.env): CognitoConfig | null {
  const domain = env.VITE_COGNITO_DOMAIN?.replace(/\/$/, "");
  const clientId = env.VITE_COGNITO_CLIENT_ID;
  return domain && clientId ? { domain, clientId } : null;
}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function randomString(bytes = 32): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

export async function codeChallenge(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

const redirectUri = () => `${window.location.origin}${CALLBACK_PATH}`;

/** The hosted UI's authorize URL; remembers the verifier and state for the callback. */
export async function authorizeUrl(config: CognitoConfig, returnTo: string): Promise<string> {
  const verifier = randomString(48);
  const state = randomString(16);
  sessionStorage.setItem(PENDING_KEY, JSON.stringify({ verifier, state, returnTo }));
  const query = new URLSearchParams({
    response_type: "code",
    client_id: config.clientId,
    redirect_uri: redirectUri(),
    scope: "openid email profile",
    state,
    code_challenge_method: "S256",
    code_challenge: await codeChallenge(verifier),
  });
  return `${config.domain}/oauth2/authorize?${query}`;
}

/** Exchange the callback's code for tokens; returns the ID token and where to go next. */
export async function completeSignIn(config: CognitoConfig, callback: URL): Promise<{ idToken: string; returnTo: string }> {
  const error = callback.searchParams.get("error_description") ?? callback.searchParams.get("error");
  if (error) throw new Error(`Sign-in was refused: ${error}`);
  const pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) ?? "null") as
    { verifier: string; state: string; returnTo: string } | null;
  sessionStorage.removeItem(PENDING_KEY);
  const code = callback.searchParams.get("code");
  if (!pending || !code || callback.searchParams.get("state") !== pending.state) {
    throw new Error("This sign-in link is stale or was not started here. Please sign in again.");
  }
  const reply = await fetch(`${config.domain}/oauth2/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      client_id: config.clientId,
      code,
      redirect_uri: redirectUri(),
      code_verifier: pending.verifier,
    }),
  });
  if (!reply.ok) throw new Error(`The token exchange failed (HTTP ${reply.status}). Please sign in again.`);
  const tokens = (await reply.json()) as { id_token?: string };
  if (!tokens.id_token) throw new Error("Cognito returned no ID token.");
  return { idToken: tokens.id_token, returnTo: pending.returnTo };
}

export function logoutUrl(config: CognitoConfig): string {
  const query = new URLSearchParams({ client_id: config.clientId, logout_uri: `${window.location.origin}/` });
  return `${config.domain}/logout?${query}`;
}
