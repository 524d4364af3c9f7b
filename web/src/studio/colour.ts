/** Colours of an artist's palette: validate hex codes and say them in words. */

export const HEX = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i;

/** `#abc` → `#aabbcc`, lower case; null when it is not a hex colour. */
export function normaliseHex(text: string): string | null {
  const value = text.trim().toLowerCase();
  const hex = value.startsWith("#") ? value : `#${value}`;
  if (!HEX.test(hex)) return null;
  return hex.length === 4 ? `#${[...hex.slice(1)].map((c) => c + c).join("")}` : hex;
}

function hsl(hex: string): [number, number, number] {
  const n = parseInt(hex.slice(1), 16);
  const [r, g, b] = [(n >> 16) & 255, (n >> 8) & 255, n & 255].map((v) => v / 255) as [number, number, number];
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const l = (max + min) / 2;
  if (max === min) return [0, 0, l];
  const d = max - min;
  const s = l > 0.5 ? d / (2 - max - min) : d / (max + min);
  const h = max === r ? (g - b) / d + (g < b ? 6 : 0) : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
  return [h * 60, s, l];
}

const HUES: [number, string][] = [
  [15, "red"], [40, "orange"], [52, "amber"], [68, "yellow"], [90, "lime"], [150, "green"], [185, "teal"],
  [200, "cyan"], [215, "azure"], [245, "blue"], [265, "indigo"], [290, "violet"], [320, "magenta"], [345, "pink"], [360, "red"],
];

/** A plain name for a colour ("deep magenta", "pale teal", "charcoal"), for prompts and labels. */
export function colourName(hex: string): string {
  const value = normaliseHex(hex);
  if (!value) return hex;
  const [h, s, l] = hsl(value);
  if (l < 0.08) return "black";
  if (l > 0.94) return "white";
  if (s < 0.12) return l < 0.3 ? "charcoal" : l < 0.7 ? "grey" : "silver";
  const hue = HUES.find(([limit]) => h < limit)![1];
  const shade = l < 0.3 ? "deep " : l > 0.72 ? "pale " : s < 0.35 ? "muted " : "";
  return `${shade}${hue}`;
}
