import { describe, expect, it } from "vitest";
import { formatBytes, formatTime, KEYS, noteName, peaksToChannels, stepOf } from "./format";

describe("format", () => {
  it("writes times, sizes and notes as musicians read them", () => {
    expect(formatTime(0)).toBe("0:00");
    expect(formatTime(75.9)).toBe("1:15");
    expect(formatTime(7322)).toBe("2:02:02");
    expect(formatTime(null)).toBe("–:––");
    expect(formatBytes(1_868_110)).toBe("1.8 MB");
    expect(formatBytes(512)).toBe("512 B");
    expect(noteName(60)).toBe("C4");
    expect(noteName(69)).toBe("A4");
    expect(KEYS).toHaveLength(24);
    expect(KEYS).toContain("A minor");
  });

  it("places a job's stage in the pipeline", () => {
    expect(stepOf("decode")).toBe(0);
    expect(stepOf("separate and analyse")).toBe(1);
    expect(stepOf("analyse")).toBe(1);
    expect(stepOf("lyrics vocals")).toBe(2);
    expect(stepOf("midi, lyrics and samples")).toBe(2);
    expect(stepOf("export")).toBe(3);
    expect(stepOf("done")).toBe(4);
    expect(stepOf("queued")).toBe(0);
  });

  it("turns audiowaveform v2 peaks into per-channel min/max pairs", () => {
    const mono = peaksToChannels({ channels: 1, bits: 8, data: [-64, 64, -128, 127] });
    expect([...mono[0]!]).toEqual([-0.5, 0.5, -1, 127 / 128]);
    const stereo = peaksToChannels({ channels: 2, bits: 16, data: [-16384, 16384, -32768, 0, 1, 2, 3, 4] });
    expect(stereo).toHaveLength(2);
    expect([...stereo[1]!]).toEqual([-1, 0, 3 / 32768, 4 / 32768]);
  });
});
