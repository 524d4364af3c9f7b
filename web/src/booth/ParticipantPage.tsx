/** A participant's own page (no account: the code in the link is the credential). */
import { useQuery } from "@tanstack/react-query";
import { useEffect } from "react";
import { useParams } from "react-router";
import { myMedia } from "../api/booth";

export default function ParticipantPage() {
  const { code = "" } = useParams();
  useEffect(() => {
    // The page's URL holds the code (the credential): no request from it sends a Referer.
    const meta = document.createElement("meta");
    meta.name = "referrer";
    meta.content = "no-referrer";
    document.head.appendChild(meta);
    return () => meta.remove();
  }, []);
  const media = useQuery({
    queryKey: ["booth", "mine", code],
    queryFn: () => myMedia(code),
    refetchInterval: (q) => (q.state.data?.media.video ? false : 5000),
    retry: false,
  });
  if (media.isError) return <main className="booth-mine"><p role="alert">{media.error.message}</p></main>;
  if (!media.data) return <main className="booth-mine"><p>Loading…</p></main>;
  const { video, image } = media.data.media;
  return (
    <main className="booth-mine">
      <h1>Your booth video</h1>
      {!video && <p aria-live="polite">Your video is being made. This page updates by itself.</p>}
      {video && (
        <>
          <video src={video} controls playsInline className="booth-video" aria-label="Your video" />
          <a className="btn btn-primary kiosk-btn" href={video} download referrerPolicy="no-referrer">Download the video</a>
        </>
      )}
      {image && (
        <>
          <img src={image} alt="Your print image" className="booth-image" referrerPolicy="no-referrer" />
          <a className="btn kiosk-btn" href={image} download referrerPolicy="no-referrer">Download the image</a>
        </>
      )}
    </main>
  );
}
