/**
 * Playback engines behind one interface, so the waveform, lyrics and piano roll follow
 * whichever plays:
 *
 * - `StemMixer` decodes every stem into an AudioBuffer and starts them all on the same
 *   AudioContext clock tick: sample-accurate sync, gain per stem for mute/solo/volume.
 * - `MediaPlayback` streams one file through an <audio> element (Range requests), for a track
 *   without stems: nothing to decode up front, any length.
 */

export interface Playback {
  readonly duration: number;
  time(): number;
  playing(): boolean;
  play(): Promise<void>;
  pause(): void;
  seek(seconds: number): void;
  /** play, pause, seek and end; not every frame (poll `time()` for that) */
  subscribe(listener: () => void): () => void;
  destroy(): void;
}

let shared: AudioContext | null = null;

/** One AudioContext for the app (browsers limit them); resumed on the first user gesture. */
export function audioContext(): AudioContext {
  shared ??= new AudioContext({ latencyHint: "interactive" });
  return shared;
}

abstract class Emitter {
  private listeners = new Set<() => void>();

  subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  protected emit() {
    this.listeners.forEach((listener) => listener());
  }
}

const clamp = (value: number, low: number, high: number) => Math.min(high, Math.max(low, value));

export class MediaPlayback extends Emitter implements Playback {
  private audio: HTMLAudioElement;
  private known: number;

  constructor(url: string, duration: number) {
    super();
    this.known = duration;
    this.audio = new Audio();
    this.audio.preload = "metadata";
    this.audio.src = url;
    for (const event of ["play", "pause", "ended", "seeked", "loadedmetadata"]) {
      this.audio.addEventListener(event, () => this.emit());
    }
  }

  get duration() {
    return Number.isFinite(this.audio.duration) && this.audio.duration > 0 ? this.audio.duration : this.known;
  }

  time() {
    return this.audio.currentTime;
  }

  playing() {
    return !this.audio.paused && !this.audio.ended;
  }

  play() {
    return this.audio.play();
  }

  pause() {
    this.audio.pause();
  }

  seek(seconds: number) {
    this.audio.currentTime = clamp(seconds, 0, this.duration);
    this.emit();
  }

  destroy() {
    this.audio.pause();
    this.audio.removeAttribute("src");
    this.audio.load();
  }
}

export interface StemSource {
  name: string;
  url: string;
}

export interface Channel {
  name: string;
  volume: number;
  muted: boolean;
  solo: boolean;
  /** what the channel actually plays at: 0 when muted or another channel is soloed */
  audible: boolean;
}

interface Voice {
  buffer: AudioBuffer;
  gain: GainNode;
  source: AudioBufferSourceNode | null;
}

async function fetchBytes(url: string, onBytes: (loaded: number, total: number) => void, signal: AbortSignal) {
  const response = await fetch(url, { signal });
  if (!response.ok || !response.body) throw new Error(`could not load a stem (HTTP ${response.status})`);
  const total = Number(response.headers.get("Content-Length")) || 0;
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.byteLength;
    onBytes(loaded, total);
  }
  const bytes = new Uint8Array(loaded);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return bytes.buffer;
}

export class StemMixer extends Emitter implements Playback {
  readonly duration: number;
  private master: GainNode;
  private voices = new Map<string, Voice>();
  private state: Channel[];
  private offset = 0;  // track time at the last start, or where paused
  private startedAt = 0;  // context time that `offset` played at
  private isPlaying = false;
  private endTimer: ReturnType<typeof setTimeout> | undefined;

  private constructor(private ctx: AudioContext, stems: { name: string; buffer: AudioBuffer }[]) {
    super();
    this.master = ctx.createGain();
    this.master.connect(ctx.destination);
    for (const { name, buffer } of stems) {
      const gain = ctx.createGain();
      gain.connect(this.master);
      this.voices.set(name, { buffer, gain, source: null });
    }
    this.state = stems.map(({ name }) => ({ name, volume: 1, muted: false, solo: false, audible: true }));
    this.duration = Math.max(...stems.map((s) => s.buffer.duration));
  }

  /** Fetch and decode every stem; `onProgress` gets 0..1 (by bytes where sizes are known). */
  static async load(ctx: AudioContext, stems: StemSource[], onProgress: (fraction: number) => void,
    signal: AbortSignal): Promise<StemMixer> {
    const done = stems.map(() => 0);  // 0..1 per stem
    const report = () => onProgress(done.reduce((sum, d) => sum + d, 0) / stems.length);
    const decoded = await Promise.all(stems.map(async (stem, i) => {
      const bytes = await fetchBytes(stem.url, (loaded, total) => {
        done[i] = total ? 0.95 * (loaded / total) : 0;
        report();
      }, signal);
      const buffer = await ctx.decodeAudioData(bytes);
      done[i] = 1;
      report();
      return { name: stem.name, buffer };
    }));
    return new StemMixer(ctx, decoded);
  }

  channels = () => this.state;

  time() {
    if (!this.isPlaying) return this.offset;
    return clamp(this.offset + Math.max(0, this.ctx.currentTime - this.startedAt), 0, this.duration);
  }

  playing() {
    return this.isPlaying;
  }

  async play() {
    if (this.isPlaying) return;
    await this.ctx.resume();
    if (this.offset >= this.duration) this.offset = 0;
    this.start();
    this.emit();
  }

  pause() {
    if (!this.isPlaying) return;
    this.offset = this.time();
    this.stop();
    this.emit();
  }

  seek(seconds: number) {
    const target = clamp(seconds, 0, this.duration);
    if (this.isPlaying) {
      this.stop();
      this.offset = target;
      this.start();
    } else {
      this.offset = target;
    }
    this.emit();
  }

  setVolume(name: string, volume: number) {
    this.change(name, { volume: clamp(volume, 0, 1) });
  }

  toggleMute(name: string) {
    this.change(name, { muted: !this.state.find((c) => c.name === name)?.muted });
  }

  toggleSolo(name: string) {
    this.change(name, { solo: !this.state.find((c) => c.name === name)?.solo });
  }

  destroy() {
    this.stop();
    this.master.disconnect();
  }

  private change(name: string, values: Partial<Channel>) {
    const next = this.state.map((c) => (c.name === name ? { ...c, ...values } : c));
    const soloing = next.some((c) => c.solo);
    this.state = next.map((c) => ({ ...c, audible: !c.muted && (!soloing || c.solo) && c.volume > 0 }));
    for (const channel of this.state) {
      const gain = this.voices.get(channel.name)!.gain.gain;
      // A short ramp, not a jump: no click when a stem comes in or out.
      gain.setTargetAtTime(channel.audible ? channel.volume : 0, this.ctx.currentTime, 0.015);
    }
    this.emit();
  }

  private start() {
    // Every source starts on the same future tick of the context clock: in sync by construction.
    const at = this.ctx.currentTime + 0.03;
    for (const voice of this.voices.values()) {
      const source = this.ctx.createBufferSource();
      source.buffer = voice.buffer;
      source.connect(voice.gain);
      source.start(at, this.offset);
      voice.source = source;
    }
    this.startedAt = at;
    this.isPlaying = true;
    this.endTimer = setTimeout(() => this.finish(), (this.duration - this.offset + 0.05) * 1000);
  }

  private stop() {
    clearTimeout(this.endTimer);
    for (const voice of this.voices.values()) {
      voice.source?.stop();
      voice.source?.disconnect();
      voice.source = null;
    }
    this.isPlaying = false;
  }

  private finish() {
    this.stop();
    this.offset = 0;
    this.emit();
  }
}
