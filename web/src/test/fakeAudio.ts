/** Just enough of the Web Audio API to check what the engines schedule, and when. */

class FakeParam {
  value = 1;
  events: [string, number, number][] = [];
  setTargetAtTime(value: number, at: number) {
    this.value = value;
    this.events.push(["target", value, at]);
  }
  setValueAtTime(value: number, at: number) {
    this.events.push(["set", value, at]);
  }
  linearRampToValueAtTime(value: number, at: number) {
    this.events.push(["ramp", value, at]);
  }
}

class FakeNode {
  connections: unknown[] = [];
  connect<T>(target: T) {
    this.connections.push(target);
    return target;
  }
  disconnect() {
    this.connections = [];
  }
}

export class FakeGain extends FakeNode {
  gain = new FakeParam();
}

export class FakeSource extends FakeNode {
  buffer: unknown = null;
  startedAt: [number, number] | null = null;
  stopped = false;
  onended: (() => void) | null = null;
  start(when: number, offset = 0) {
    this.startedAt = [when, offset];
  }
  stop() {
    this.stopped = true;
  }
}

export class FakeOscillator extends FakeSource {
  type = "sine";
  frequency = new FakeParam();
}

export class FakeAudioContext {
  currentTime = 0;
  destination = new FakeNode();
  sources: FakeSource[] = [];
  gains: FakeGain[] = [];
  oscillators: FakeOscillator[] = [];
  createGain() {
    const gain = new FakeGain();
    this.gains.push(gain);
    return gain;
  }
  createBufferSource() {
    const source = new FakeSource();
    this.sources.push(source);
    return source;
  }
  createOscillator() {
    const osc = new FakeOscillator();
    this.oscillators.push(osc);
    return osc;
  }
  async resume() {}
  async decodeAudioData(bytes: ArrayBuffer) {
    // the "file" is its duration in seconds, as text
    return { duration: Number(new TextDecoder().decode(bytes)) };
  }
}

export const asContext = (ctx: FakeAudioContext) => ctx as unknown as AudioContext;
