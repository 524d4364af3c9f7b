/** Where the Cognito hosted UI sends the browser back with `?code=`: swap it for the ID token. */
import { useEffect, useRef, useState } from "react";
import { Link, useNavigate } from "react-router";
import { cognitoConfig, completeSignIn } from "../auth/cognito";
import { sessionFromToken, signIn } from "../auth/session";
import { Spinner } from "../components/States";
import { safeNext } from "./SignInPage";

export function AuthCallback() {
  const navigate = useNavigate();
  const [error, setError] = useState<string | null>(null);
  const started = useRef(false);  // a code can be redeemed once (StrictMode runs effects twice)
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    const config = cognitoConfig();
    if (!config) {
      setError("This build has no Cognito sign-in configured.");
      return;
    }
    completeSignIn(config, new URL(window.location.href))
      .then(({ idToken, returnTo }) => {
        signIn(sessionFromToken(idToken, "cognito"));
        navigate(safeNext(returnTo), { replace: true });
      })
      .catch((err: Error) => setError(err.message));
  }, [navigate]);
  return (
    <main className="signin" id="main">
      <div className="signin-card">
        {error ? (
          <>
            <p className="error-text" role="alert">{error}</p>
            <Link className="btn btn-primary" to="/signin">Back to sign-in</Link>
          </>
        ) : <Spinner label="Signing you in" />}
      </div>
    </main>
  );
}
