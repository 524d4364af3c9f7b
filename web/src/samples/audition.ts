/**
 * Audition: a sample decoded once into an AudioBuffer and played on the app's one AudioContext
 * (the track page's engine, audio/playback.ts), so hover and keyboard auditions start at once
 * and a new one stops the last.
 */
import { audioContext } from "../audio/playback";

const buffers = new Map<string, Promise<AudioBuffer>>();
let current: AudioBufferSourceNode | null = null;

function decode(url: string): Promise<AudioBuffer> {
  let buffer = buffers.get(url);
  if (!buffer) {
    buffer = fetch(url).then((r) => r.arrayBuffer()).then((data) => audioContext().decodeAudioData(data));
    buffer.catch(() => buffers.delete(url));
    buffers.set(url, buffer);
  }
  return buffer;
}

export function stopAudition() {
  current?.stop();
  current = null;
}

export async function audition(url: string): Promise<void> {
  const context = audioContext();
  if (context.state === "suspended") await context.resume();
  const buffer = await decode(url);
  stopAudition();
  const source = context.createBufferSource();
  source.buffer = buffer;
  source.connect(context.destination);
  source.start();
  current = source;
}
