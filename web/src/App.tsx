import { useQueryClient } from "@tanstack/react-query";
import { lazy, Suspense, useEffect, type ReactNode } from "react";
import { Link, Navigate, NavLink, Outlet, Route, Routes, useLocation } from "react-router";
import { cognitoConfig, logoutUrl } from "./auth/cognito";
import { isRoyaltyAdmin, signOut, useSession } from "./auth/session";
import { Spinner } from "./components/States";
import { AuthCallback } from "./pages/AuthCallback";
import { LibraryPage } from "./pages/LibraryPage";
import { NotFound } from "./pages/NotFound";
import { SignInPage } from "./pages/SignInPage";
import { UploadProvider, useUploads } from "./upload/context";

// The track page carries wavesurfer and the audio engines: loaded when first opened.
const TrackPage = lazy(() => import("./pages/TrackPage"));
// The studio (names, artwork, video loops, artistDNA): its own chunk, off the library's first load.
const Studio = lazy(() => import("./studio/StudioRoutes"));
const Stories = lazy(() => import("./stories/StoriesRoutes"));
// Song generation and royalties: their own chunks too.
const Generation = lazy(() => import("./generation/GenerationRoutes"));
const Royalties = lazy(() => import("./royalties/RoyaltiesPage"));
// The writers' room (scripts, bible, chat, notes): its own chunk.
const Writers = lazy(() => import("./writers/WritersRoutes"));
// Sieb (questions over stock data, the point cloud in a further chunk of its own).
const Sieb = lazy(() => import("./sieb/SiebPage"));
const Samples = lazy(() => import("./samples/SamplesPage"));
// AlbumDreamer (the stories room's albums): its own chunk.
const Albums = lazy(() => import("./stories/albums/AlbumsRoutes"));
const Booth = lazy(() => import("./booth/BoothRoutes"));
const BoothParticipant = lazy(() => import("./booth/ParticipantPage"));

function RequireSession({ children }: { children: ReactNode }) {
  const session = useSession();
  const location = useLocation();
  if (!session) {
    const next = encodeURIComponent(location.pathname + location.search);
    return <Navigate to={`/signin?next=${next}`} replace />;
  }
  return children;
}

function UploadsBadge() {
  const { items } = useUploads();
  const busy = items.filter((i) => i.phase === "queued" || i.phase === "uploading" || i.phase === "ingesting").length;
  if (!busy) return null;
  return <Link className="badge badge-accent" to="/#uploads">{busy} uploading</Link>;
}

function Shell() {
  const session = useSession();
  const cognito = cognitoConfig();
  const leave = () => {
    const viaCognito = session?.kind === "cognito" && cognito;
    signOut();
    if (viaCognito) window.location.assign(logoutUrl(cognito));
  };
  return (
    <UploadProvider>
      <a className="skip-link" href="#main">Skip to content</a>
      <header className="topbar">
        <Link to="/" className="brand" aria-label="SoundMosaic home">
          <img src="/favicon.svg" alt="" width="28" height="28" />
          <span>SoundMosaic</span>
        </Link>
        <nav aria-label="Main">
          <NavLink to="/" end>Library</NavLink>
          <NavLink to="/samples">Samples</NavLink>
          <NavLink to="/studio">Studio</NavLink>
          <NavLink to="/stories">Stories</NavLink>
          <NavLink to="/generation">Generation</NavLink>
          <NavLink to="/royalties">Royalties</NavLink>
          {isRoyaltyAdmin(session) && <NavLink to="/generation/rights">Rights</NavLink>}
          <NavLink to="/writers">Writers&apos; room</NavLink>
          <NavLink to="/sieb">Sieb</NavLink>
          <NavLink to="/albums">Albums</NavLink>
          <NavLink to="/booth">Booth</NavLink>
        </nav>
        <div className="topbar-end">
          <UploadsBadge />
          <span className="who" title="Signed in as">{session?.name}</span>
          <button type="button" className="btn btn-ghost" onClick={leave}>Sign out</button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Suspense fallback={<Spinner label="Loading" />}>
          <Outlet />
        </Suspense>
      </main>
    </UploadProvider>
  );
}

export function App() {
  const session = useSession();
  const client = useQueryClient();
  useEffect(() => {
    if (!session) client.clear();  // nothing of one artist's library outlives their session
  }, [session, client]);
  return (
    <Routes>
      <Route path="/signin" element={<SignInPage />} />
      <Route path="/auth/callback" element={<AuthCallback />} />
      <Route path="/booth/p/:code" element={<Suspense fallback={<Spinner label="Loading" />}><BoothParticipant /></Suspense>} />
      <Route element={<RequireSession><Shell /></RequireSession>}>
        <Route index element={<LibraryPage />} />
        <Route path="tracks/:trackId" element={<TrackPage />} />
        <Route path="studio/*" element={<Studio />} />
        <Route path="stories/*" element={<Stories />} />
        <Route path="generation/*" element={<Generation />} />
        <Route path="royalties" element={<Royalties />} />
        <Route path="writers/*" element={<Writers />} />
        <Route path="sieb" element={<Sieb />} />
        <Route path="samples" element={<Samples />} />
        <Route path="albums/*" element={<Albums />} />
        <Route path="booth/*" element={<Booth />} />
        <Route path="*" element={<NotFound />} />
      </Route>
    </Routes>
  );
}
