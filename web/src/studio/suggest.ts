/**
 * Prompt suggestions while the user types, computed here (no model call, no network): visual
 * vocabulary for the brief's genre and mood, the artist's own style from their artistDNA
 * (palette in words, moods, fonts), and the craft of a cover. The word being typed is completed
 * from the same pool; phrases already in the prompt are not suggested again.
 */
import type { DnaStyle } from "../api/studio";
import { colourName } from "./colour";

export type SuggestionSource = "artistDNA" | "genre" | "mood" | "cover";

export interface Suggestion {
  text: string;
  source: SuggestionSource;
  /** replaces the word being typed rather than being appended */
  completes: boolean;
}

export interface SuggestContext {
  prompt: string;
  genre?: string;
  mood?: string;
  style?: DnaStyle | null;
}

const GENRES: Record<string, string[]> = {
  synthwave: ["neon grid horizon", "chrome lettering", "magenta sunset gradient", "retro-futurist skyline", "VHS scan lines"],
  techno: ["brutalist concrete", "strobe-lit warehouse", "monochrome geometry", "industrial haze", "laser lines"],
  house: ["warm club lights", "disco ball reflections", "sunlit dance floor", "bold collage shapes"],
  ambient: ["vast empty landscape", "soft fog", "slow gradient sky", "still water reflections", "minimal horizon"],
  "hip hop": ["gritty street portrait", "spray-paint texture", "gold chain glint", "city rooftop at night"],
  rap: ["gritty street portrait", "spray-paint texture", "flash photography", "city rooftop at night"],
  trap: ["purple smoke", "low-angle portrait", "chrome reflections", "night city glow"],
  pop: ["glossy pastel backdrop", "bold candy colours", "studio portrait lighting", "playful shapes"],
  rock: ["grainy live-show photo", "torn poster texture", "amp glow", "high-contrast black and white"],
  metal: ["jagged ornate lettering", "stormy sky", "dark etched illustration", "fire and smoke"],
  jazz: ["smoky club interior", "blue-note typography", "saxophone silhouette", "warm lamp light"],
  blues: ["dusty crossroads", "sepia photograph", "worn guitar", "late-night bar"],
  folk: ["hand-drawn linework", "forest clearing", "woodcut texture", "golden-hour field"],
  country: ["open highway", "weathered barn wood", "desert sunset", "pickup truck silhouette"],
  "lo-fi": ["cozy desk by a window", "rainy evening", "anime-style illustration", "soft film grain"],
  lofi: ["cozy desk by a window", "rainy evening", "anime-style illustration", "soft film grain"],
  "drum and bass": ["fractured motion blur", "tunnel of light", "sharp angular shapes", "rave haze"],
  dnb: ["fractured motion blur", "tunnel of light", "sharp angular shapes", "rave haze"],
  dubstep: ["glitch distortion", "bass-wave shapes", "dark neon", "shattered glass"],
  edm: ["festival main stage lasers", "confetti burst", "euphoric crowd silhouettes", "electric gradients"],
  classical: ["marble textures", "baroque ornament", "concert hall light", "fine-art oil painting"],
  soul: ["warm vintage portrait", "velvet textures", "soft gold light", "1970s print grain"],
  "r&b": ["silk and satin textures", "moody bedroom light", "intimate portrait", "late-night city lights"],
  reggae: ["sun-bleached colours", "tropical foliage", "hand-painted sign lettering", "beach at dusk"],
  indie: ["analog film snapshot", "faded colours", "handmade collage", "suburban twilight"],
  electronic: ["abstract waveforms", "generative patterns", "glowing circuitry", "clean geometric forms"],
};

const MOODS: Record<string, string[]> = {
  dark: ["deep shadows", "cold moonlight", "ominous silhouettes"],
  melancholic: ["rain on glass", "blue-hour light", "lonely figure in the distance"],
  sad: ["rain on glass", "empty room", "fading light"],
  nostalgic: ["faded polaroid tones", "sun flare", "childhood memories"],
  dreamy: ["soft focus", "floating clouds", "pastel haze"],
  euphoric: ["radiant light burst", "vivid saturated colours", "arms raised in the light"],
  uplifting: ["sunrise glow", "open sky", "light breaking through clouds"],
  happy: ["bright daylight", "bold primary colours", "playful motion"],
  energetic: ["dynamic motion blur", "explosive colour splashes", "diagonal composition"],
  aggressive: ["harsh contrast", "jagged shapes", "red warning light"],
  calm: ["still water", "soft morning light", "wide negative space"],
  chill: ["sunset haze", "slow clouds", "soft muted tones"],
  romantic: ["candlelight glow", "roses", "soft warm tones"],
  mysterious: ["fog and silhouettes", "hidden faces", "dim lantern light"],
  epic: ["towering landscape", "dramatic sky", "cinematic scale"],
  angry: ["harsh contrast", "shattered surfaces", "burning red"],
  hopeful: ["first light on the horizon", "green shoots", "warm gold tones"],
};

const COVER = [
  "square album cover composition", "centred subject", "negative space for the title", "film grain",
  "volumetric light", "high contrast", "minimalist", "35mm photograph", "digital painting", "bold typography",
];

function lookup(table: Record<string, string[]>, text: string | undefined): string[] {
  const words = (text ?? "").toLowerCase().split(/[,/;]+/).map((w) => w.trim()).filter(Boolean);
  const found: string[] = [];
  for (const word of words) {
    for (const [key, phrases] of Object.entries(table)) {
      if (word === key || word.includes(key) || (key.includes(word) && word.length >= 3)) found.push(...phrases);
    }
  }
  return found;
}

function fromStyle(style: DnaStyle | null | undefined): string[] {
  if (!style) return [];
  const colours = [...new Set((style.palette ?? []).map(colourName))];
  const out: string[] = [];
  if (colours.length) out.push(`${colours.slice(0, 3).join(", ")} palette`);
  for (const mood of style.moods ?? []) out.push(...(MOODS[mood.toLowerCase()] ?? [`${mood.toLowerCase()} atmosphere`]).slice(0, 1));
  for (const font of (style.fonts ?? []).slice(0, 2)) out.push(`lettering in the style of ${font}`);
  return out;
}

/** The word being typed: the prompt's last token when the prompt does not end in a separator. */
export function partialWord(prompt: string): string {
  if (/[\s,.;:]$/.test(prompt)) return "";
  return (prompt.match(/([\p{L}\p{N}&'-]+)$/u)?.[1] ?? "").toLowerCase();
}

export function suggest({ prompt, genre, mood, style }: SuggestContext, limit = 8): Suggestion[] {
  const pool: [string, SuggestionSource][] = [
    ...fromStyle(style).map((t) => [t, "artistDNA"] as [string, SuggestionSource]),
    ...lookup(GENRES, genre).map((t) => [t, "genre"] as [string, SuggestionSource]),
    ...lookup(MOODS, mood).map((t) => [t, "mood"] as [string, SuggestionSource]),
    ...COVER.map((t) => [t, "cover"] as [string, SuggestionSource]),
  ];
  const have = prompt.toLowerCase();
  const seen = new Set<string>();
  const fresh = pool.filter(([text]) => {
    const key = text.toLowerCase();
    if (seen.has(key) || have.includes(key)) return false;
    seen.add(key);
    return true;
  });
  const partial = partialWord(prompt);
  if (partial.length >= 2) {
    const completing = fresh.filter(([text]) => text.toLowerCase().split(/[\s,-]+/).some((w) => w.startsWith(partial) && w !== partial));
    if (completing.length) {
      return completing.slice(0, limit).map(([text, source]) => ({ text, source, completes: true }));
    }
  }
  return fresh.slice(0, limit).map(([text, source]) => ({ text, source, completes: false }));
}

/** The prompt with a suggestion applied: the typed word completed, or the phrase appended. */
export function applySuggestion(prompt: string, suggestion: Suggestion): string {
  if (suggestion.completes) {
    const partial = partialWord(prompt);
    const head = prompt.slice(0, prompt.length - partial.length).replace(/\s+$/, "");
    return head ? `${head} ${suggestion.text}` : suggestion.text;
  }
  const head = prompt.replace(/[\s,]+$/, "");
  return head ? `${head}, ${suggestion.text}` : suggestion.text;
}
