import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeToken } from "../test/utils";
import { authorizeUrl, codeChallenge, cognitoConfig, completeSignIn } from "./cognito";
import { decodeJwt, getSession, isRoyaltyAdmin, sessionFromToken, signIn, signOutReason } from "./session";

describe("session", () => {
  it("reads who the token speaks for and when it expires", () => {
    const token = fakeToken({ "custom:artist_id": "artist-7", exp: 2_000_000_000 });
    expect(sessionFromToken(`  ${token}\n`, "cognito")).toEqual({
      token, kind: "cognito", name: "artist-7", expiresAt: 2_000_000_000_000,
    });
  });

  it("refuses what is not a JWT", () => {
    expect(() => decodeJwt("not-a-token")).toThrow(/not a token/);
  });

  it("ends an expired session and says why", () => {
    signIn({ token: "t", kind: "dev", name: "me", expiresAt: Date.now() - 1 });
    expect(getSession()).toBeNull();
    expect(signOutReason()).toMatch(/expired/);
  });
});

describe("isRoyaltyAdmin (what the SPA shows; the API checks the signed claim)", () => {
  const as = (claims: Record<string, unknown>) => sessionFromToken(fakeToken(claims), "dev");
  it("reads the groups claim as a list or as API Gateway's one string", () => {
    expect(isRoyaltyAdmin(as({ "cognito:groups": ["royalty-admins"] }))).toBe(true);
    expect(isRoyaltyAdmin(as({ "cognito:groups": "[editors royalty-admins]" }))).toBe(true);
  });
  it("says no without the group, for a look-alike group, a broken token or no session", () => {
    expect(isRoyaltyAdmin(as({}))).toBe(false);
    expect(isRoyaltyAdmin(as({ "cognito:groups": ["royalty-admins-old", "admins"] }))).toBe(false);
    expect(isRoyaltyAdmin(as({ "cognito:groups": { "royalty-admins": true } }))).toBe(false);
    expect(isRoyaltyAdmin({ token: "not.a.token", kind: "dev", name: "x", expiresAt: null })).toBe(false);
    expect(isRoyaltyAdmin(null)).toBe(false);
  });
});

describe("Cognito hosted UI with PKCE", () => {
  const config = { domain: "https://auth.example.com", clientId: "client-1" };
  afterEach(() => sessionStorage.clear());

  it("is off unless the build names a domain and a client", () => {
    expect(cognitoConfig({} as ImportMetaEnv)).toBeNull();
    expect(cognitoConfig({ VITE_COGNITO_DOMAIN: "https://auth.example.com/", VITE_COGNITO_CLIENT_ID: "c" } as ImportMetaEnv))
      .toEqual({ domain: "https://auth.example.com", clientId: "c" });
  });

  it("derives the S256 challenge of RFC 7636, appendix B", async () => {
    expect(await codeChallenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")).toBe("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
  });

  it("sends the user to authorize with a challenge and state, then swaps the code for the ID token", async () => {
    const url = new URL(await authorizeUrl(config, "/tracks/t1"));
    expect(url.origin + url.pathname).toBe("https://auth.example.com/oauth2/authorize");
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      response_type: "code", client_id: "client-1", code_challenge_method: "S256",
      redirect_uri: `${window.location.origin}/auth/callback`, scope: "openid email profile",
    });
    const state = url.searchParams.get("state")!;
    const token = vi.fn(async (_url: string, init: RequestInit) => {
      const form = new URLSearchParams(init.body as string);
      expect(form.get("grant_type")).toBe("authorization_code");
      expect(form.get("code")).toBe("the-code");
      expect(await codeChallenge(form.get("code_verifier")!)).toBe(url.searchParams.get("code_challenge"));
      return Response.json({ id_token: "id.token.here", access_token: "a" });
    });
    vi.stubGlobal("fetch", token);
    const done = await completeSignIn(config, new URL(`https://app/auth/callback?code=the-code&state=${state}`));
    expect(done).toEqual({ idToken: "id.token.here", returnTo: "/tracks/t1" });
    expect(token.mock.calls[0]![0]).toBe("https://auth.example.com/oauth2/token");
  });

  it("refuses a callback whose state it did not issue", async () => {
    await authorizeUrl(config, "/");
    await expect(completeSignIn(config, new URL("https://app/auth/callback?code=c&state=forged"))).rejects.toThrow(/stale/);
  });

  it("shows the hosted UI's own error", async () => {
    await expect(completeSignIn(config, new URL("https://app/auth/callback?error=access_denied&error_description=User+cancelled")))
      .rejects.toThrow("Sign-in was refused: User cancelled");
  });
});
