/** Small formatting helpers shared by the views. */

export function formatTime(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "–:––";
  const whole = Math.max(0, Math.floor(seconds));
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = String(whole % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export function formatBpm(bpm: number | null | undefined): string {
  return bpm ? `${Math.round(bpm)} bpm` : "–";
}

const NOTE_NAMES = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"];

export const noteName = (pitch: number) => `${NOTE_NAMES[pitch % 12]}${Math.floor(pitch / 12) - 1}`;

/** Every key the analysis can report ("C major" ... "B minor"), for the key filter. */
export const KEYS = ["major", "minor"].flatMap((mode) => NOTE_NAMES.map((note) => `${note} ${mode}`));

/** The pipeline's steps, for the progress stepper: which one a job's `stage` text belongs to. */
export const PIPELINE_STEPS = [
  { id: "decode", label: "Decode", matches: ["decode"] },
  { id: "separate", label: "Stems & analysis", matches: ["separate", "analyse"] },
  { id: "extract", label: "MIDI, lyrics, samples", matches: ["midi", "lyrics", "samples"] },
  { id: "export", label: "Export", matches: ["export"] },
] as const;

export function stepOf(stage: string): number {
  if (stage === "done") return PIPELINE_STEPS.length;
  const index = PIPELINE_STEPS.findIndex((step) => step.matches.some((m) => stage.startsWith(m)));
  return Math.max(0, index);
}

/** Turns wavesurfer-ready peaks out of audiowaveform JSON v2 (interleaved min/max per channel). */
export function peaksToChannels(peaks: { channels: number; bits: number; data: number[] }): Float32Array[] {
  const scale = 2 ** (peaks.bits - 1);
  const frames = Math.floor(peaks.data.length / (2 * peaks.channels));
  return Array.from({ length: peaks.channels }, (_, channel) => {
    const out = new Float32Array(frames * 2);
    for (let i = 0; i < frames; i++) {
      const at = (i * peaks.channels + channel) * 2;
      out[2 * i] = peaks.data[at]! / scale;
      out[2 * i + 1] = peaks.data[at + 1]! / scale;
    }
    return out;
  });
}
