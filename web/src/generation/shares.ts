/**
 * Exact shares as the API sends them ("3/5", "0.25", "1") turned into text and bar lengths.
 * The number is for drawing only: money and shares are never added up from it.
 */

/** A share's value in [0, 1] for a bar's length; NaN for text that is no share. */
export function shareValue(share: string): number {
  const text = share.trim();
  const fraction = /^(\d+)\/(\d+)$/.exec(text);
  if (fraction) {
    const denominator = Number(fraction[2]);
    return denominator ? Number(fraction[1]) / denominator : Number.NaN;
  }
  return /^\d+(\.\d+)?$/.test(text) ? Number(text) : Number.NaN;
}

/** "3/5" -> "60 %", "0.0123" -> "1.2 %" (one decimal under 10 %). */
export function sharePercent(share: string): string {
  const value = shareValue(share);
  if (!Number.isFinite(value)) return share;
  const percent = value * 100;
  return `${percent < 10 && percent !== 0 ? percent.toFixed(1) : Math.round(percent)} %`;
}

/** The slider's whole percent as the API's exact influence ("85/100"). */
export const influenceOf = (percent: number) => `${Math.round(percent)}/100`;

/** A fresh random seed (what "random" means for the generator: any 31-bit integer). */
export const randomSeed = () => Math.floor(Math.random() * 2 ** 31);
