/**
 * Sign in: the Cognito hosted UI when the build configures it, and a pasted dev token for the
 * local platform (`soundmosaic up` prints one; `soundmosaic --artist NAME token` makes more).
 */
import { useState, type FormEvent } from "react";
import { Navigate, useNavigate, useSearchParams } from "react-router";
import { api, unwrap } from "../api/client";
import { authorizeUrl, cognitoConfig } from "../auth/cognito";
import { sessionFromToken, signIn, signOutReason, useSession } from "../auth/session";

/** Only same-app paths, never an absolute URL someone put in the link. */
export function safeNext(next: string | null): string {
  return next && next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

export function SignInPage() {
  const session = useSession();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const next = safeNext(params.get("next"));
  const cognito = cognitoConfig();
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | null>(signOutReason());
  const [busy, setBusy] = useState(false);

  if (session) return <Navigate to={next} replace />;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const candidate = sessionFromToken(token, "dev");
      // Ask the API once with this token: a wrong or foreign token is refused here, not later.
      await unwrap(api.GET("/jobs", { params: { query: { limit: 1 } }, headers: { Authorization: `Bearer ${candidate.token}` } }));
      signIn(candidate);
      navigate(next, { replace: true });
    } catch (err) {
      const message = (err as Error).message;
      setError(message === "Unauthorized" ? "The API did not accept this token. Is it from this server's data directory?" : message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="signin" id="main">
      <div className="signin-card">
        <div className="brand brand-large">
          <img src="/favicon.svg" alt="" width="40" height="40" />
          <h1>SoundMosaic</h1>
        </div>
        <p className="muted">Stems, MIDI, lyrics and samples from your tracks.</p>
        {error && <p className="error-text" role="alert">{error}</p>}
        {cognito && (
          <button type="button" className="btn btn-primary btn-block"
            onClick={() => void authorizeUrl(cognito, next).then((url) => window.location.assign(url))}>
            Sign in with your SoundMosaic account
          </button>
        )}
        <form className="form" onSubmit={(e) => void submit(e)}>
          <label>
            {cognito ? "Or paste a developer token" : "Developer token"}
            <textarea value={token} onChange={(e) => setToken(e.target.value)} rows={4} required spellCheck={false}
              autoComplete="off" placeholder="eyJhbGciOi…" aria-describedby="token-help" autoFocus={!cognito} />
          </label>
          <p id="token-help" className="muted small">
            <code>soundmosaic up</code> prints one; <code>soundmosaic --artist NAME token</code> makes one for another artist.
          </p>
          <button type="submit" className={`btn btn-block ${cognito ? "" : "btn-primary"}`} disabled={busy || !token.trim()}>
            {busy ? "Checking…" : "Sign in"}
          </button>
        </form>
      </div>
    </main>
  );
}
