/**
 * The kiosk (docs/booth.md, "Flow"): camera capture with getUserMedia, the form with the event's
 * consent texts, then a QR code of the participant's own page. Big touch targets for a tablet.
 */
import { useQuery } from "@tanstack/react-query";
import QRCode from "qrcode";
import { useEffect, useRef, useState, type FormEvent } from "react";
import { boothRole, capture, FormErrors, getEvent, put, startJob, templates, type Captured } from "../api/booth";
import { EventPicker } from "./EventPicker";

type Done = Captured & { qr: string };

function Camera({ onPhoto }: { onPhoto: (photo: Blob | null) => void }) {
  const video = useRef<HTMLVideoElement>(null);
  const [error, setError] = useState<string | null>(null);
  const [shot, setShot] = useState<string | null>(null);
  useEffect(() => {
    let stream: MediaStream | null = null;
    if (!navigator.mediaDevices?.getUserMedia) {
      setError("This browser offers no camera here (it needs https or localhost).");
      return;
    }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "user", width: 1280, height: 720 }, audio: false })
      .then((s) => {
        stream = s;
        if (video.current) video.current.srcObject = s;
      })
      .catch((err: Error) => setError(`The camera cannot be used: ${err.message}`));
    return () => stream?.getTracks().forEach((t) => t.stop());
  }, []);
  const take = () => {
    const v = video.current;
    if (!v || !v.videoWidth) return;
    const canvas = document.createElement("canvas");
    canvas.width = v.videoWidth;
    canvas.height = v.videoHeight;
    canvas.getContext("2d")?.drawImage(v, 0, 0);
    canvas.toBlob((blob) => {
      onPhoto(blob);
      setShot(blob ? URL.createObjectURL(blob) : null);
    }, "image/jpeg", 0.92);
  };
  return (
    <div className="kiosk-camera">
      {error && <p role="alert" className="error-text">{error}</p>}
      <video ref={video} autoPlay playsInline muted hidden={Boolean(shot)} aria-label="Camera" />
      {shot && <img src={shot} alt="Your photo" />}
      <div className="kiosk-row">
        {shot
          ? <button type="button" className="btn kiosk-btn" onClick={() => { setShot(null); onPhoto(null); }}>Retake</button>
          : <button type="button" className="btn btn-primary kiosk-btn" onClick={take}>Take photo</button>}
      </div>
    </div>
  );
}

export function KioskForm({ eventId }: { eventId: string }) {
  const event = useQuery({ queryKey: ["booth", "event", eventId], queryFn: () => getEvent(eventId) });
  const library = useQuery({ queryKey: ["booth", "templates", eventId], queryFn: () => templates(eventId) });
  const [photo, setPhoto] = useState<Blob | null>(null);
  const [values, setValues] = useState({ name: "", email: "", phone: "" });
  const [accepted, setAccepted] = useState<Record<string, boolean>>({});
  const [template, setTemplate] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<Done | null>(null);
  const musicians = (library.data ?? []).filter((t) => t.kind === "musician");
  const chosen = template || musicians[0]?.template_id || "";

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!event.data) return;
    if (!photo) return setErrors({ photo: "take a photo first" });
    if (!chosen) return setErrors({ template: "the event has no musician clip yet" });
    setBusy(true);
    setErrors({});
    try {
      const consents = event.data.consents.map((c) => ({ key: String(c.key), text: String(c.text), accepted: Boolean(accepted[String(c.key)]) }));
      const made = await capture(eventId, { ...values, consents });
      await put(made.photo_upload, photo);
      await startJob(eventId, made.participant_id, chosen);
      setDone({ ...made, qr: await QRCode.toDataURL(made.download_url, { width: 320, margin: 1 }) });
    } catch (err) {
      setErrors(err instanceof FormErrors ? err.errors : { form: err instanceof Error ? err.message : String(err) });
    } finally {
      setBusy(false);
    }
  };

  if (done) {
    return (
      <section className="kiosk-done" aria-live="polite">
        <h2>Thank you! Your video is on its way.</h2>
        <p>Scan the code to open your page; we also mail you the link.</p>
        <img src={done.qr} alt="QR code of your page" width={320} height={320} />
        <p><a href={done.download_url} data-testid="participant-link">{done.download_url}</a></p>
        <button type="button" className="btn btn-primary kiosk-btn" onClick={() => {
          setDone(null); setPhoto(null); setValues({ name: "", email: "", phone: "" }); setAccepted({});
        }}>Next participant</button>
      </section>
    );
  }
  return (
    <form className="kiosk" onSubmit={submit} noValidate>
      <h2>{event.data?.name ?? "Booth"}</h2>
      <Camera onPhoto={setPhoto} />
      {errors.photo && <p className="error-text" role="alert">{errors.photo}</p>}
      {(["name", "email", "phone"] as const).map((field) => (
        <label key={field} className="kiosk-field">
          <span>{{ name: "Your name", email: "E-mail", phone: "Phone (with country code, e.g. +55 21 91234 5678)" }[field]}</span>
          <input
            name={field}
            type={field === "email" ? "email" : field === "phone" ? "tel" : "text"}
            autoComplete={field === "name" ? "name" : field === "email" ? "email" : "tel"}
            value={values[field]}
            aria-invalid={Boolean(errors[field])}
            aria-describedby={errors[field] ? `${field}-error` : undefined}
            onChange={(e) => setValues({ ...values, [field]: e.target.value })}
          />
          {errors[field] && <span id={`${field}-error`} className="error-text">{errors[field]}</span>}
        </label>
      ))}
      {musicians.length > 1 && (
        <label className="kiosk-field">
          <span>Musician</span>
          <select value={chosen} onChange={(e) => setTemplate(e.target.value)}>
            {musicians.map((t) => <option key={t.template_id} value={t.template_id}>{t.title}</option>)}
          </select>
        </label>
      )}
      {errors.template && <p className="error-text" role="alert">{errors.template}</p>}
      <fieldset className="kiosk-consents">
        <legend>Consent</legend>
        {(event.data?.consents ?? []).map((c) => (
          <label key={String(c.key)} className="kiosk-check">
            <input type="checkbox" checked={Boolean(accepted[String(c.key)])}
              onChange={(e) => setAccepted({ ...accepted, [String(c.key)]: e.target.checked })} />
            <span>{String(c.text)}{c.required ? " (required)" : " (optional)"}</span>
          </label>
        ))}
        {errors.consents && <span className="error-text">{errors.consents}</span>}
      </fieldset>
      {errors.form && <p className="error-text" role="alert">{errors.form}</p>}
      <button type="submit" className="btn btn-primary kiosk-btn btn-block" disabled={busy}>{busy ? "Sending…" : "Make my video"}</button>
    </form>
  );
}

export default function KioskPage() {
  const { role, event } = boothRole();
  return (
    <div className="booth-page">
      <EventPicker fixed={role === "operator" ? event : null}>{(id) => <KioskForm eventId={id} />}</EventPicker>
    </div>
  );
}
