/**
 * Royalties (its own chunk): a rights holder reads their statement and charts; an artist or
 * label imports revenue statements and sees their tracks' rights holders. The token says
 * whether the session is a rights holder (`custom:holder_id`); without one, both views show
 * and the API decides who may read what.
 */
import { holderOf } from "../api/royalties";
import { useSession } from "../auth/session";
import "../generation/generation.css";
import { HolderStatement } from "./HolderStatement";
import { HoldersView } from "./HoldersView";
import { ImportPanel } from "./ImportPanel";

export default function RoyaltiesPage() {
  const session = useSession();
  const holder = holderOf(session);
  const artist = (
    <>
      <ImportPanel />
      <HoldersView />
    </>
  );
  return (
    <div className="page gen-page">
      <header className="page-head">
        <h1>Royalties</h1>
        <p className="muted">{holder
          ? `Signed in as rights holder ${holder}.`
          : "Import your stores' statements and see who your generated tracks pay."}</p>
      </header>
      {holder ? <><HolderStatement holder={holder} />{artist}</> : <>{artist}<HolderStatement holder={null} /></>}
    </div>
  );
}
