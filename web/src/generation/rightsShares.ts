/**
 * The rights form's shares, exact: what the admin types ("50", "12.5", "33.3333" percent, or a
 * fraction of the whole such as "1/3") read as a fraction, summed without rounding, and sent as
 * the API's exact share ("1/2"). The sum check is live and must be exactly 100 %, as the API's.
 */

export interface Fraction {
  num: bigint;
  den: bigint;
}

const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? (a < 0n ? -a : a) : gcd(b, a % b));

function reduced(num: bigint, den: bigint): Fraction {
  const g = gcd(num, den) || 1n;
  return { num: num / g, den: den / g };
}

/** A typed share as a fraction of the whole, or null when it is no share (empty, negative, text). */
export function parseShare(text: string): Fraction | null {
  const value = text.trim().replace(/\s*%$/, "");
  const fraction = /^(\d{1,12})\s*\/\s*(\d{1,12})$/.exec(value);
  if (fraction) {
    const den = BigInt(fraction[2]!);
    return den === 0n ? null : reduced(BigInt(fraction[1]!), den);
  }
  const percent = /^(\d{1,3})(?:[.,](\d{1,8}))?$/.exec(value);
  if (!percent) return null;
  const decimals = percent[2] ?? "";
  const scale = 10n ** BigInt(decimals.length);
  return reduced(BigInt(percent[1]!) * scale + BigInt(decimals || "0"), 100n * scale);
}

export const ZERO: Fraction = { num: 0n, den: 1n };

export function add(a: Fraction, b: Fraction): Fraction {
  return reduced(a.num * b.den + b.num * a.den, a.den * b.den);
}

/** The API's exact share: "1/2", "1" for the whole. */
export const exact = (share: Fraction) => (share.den === 1n ? `${share.num}` : `${share.num}/${share.den}`);

/** For reading only ("33.3333 %"): the check itself is `isWhole`. */
export function percentText(share: Fraction): string {
  const hundredths = Number((share.num * 1_000_000n) / share.den) / 10_000;
  return `${Number.isInteger(hundredths) ? hundredths : hundredths.toFixed(4).replace(/0+$/, "")} %`;
}

export const isWhole = (share: Fraction) => share.num === share.den;
