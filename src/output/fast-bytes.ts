/** Byte-level helpers of the JSON fast lane: tests on ASCII bytes, and a JSON string copy. */

/** `"` */
export const QUOTE = 34;
/** `-`, Envoy's missing value. */
export const DASH = 45;

/** True for an ASCII digit. */
export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** True when b[s, e) is exactly `-`. */
export function isDash(b: Uint8Array, s: number, e: number): boolean {
  return e - s === 1 && b[s] === DASH;
}

/** True for `tcp://` or `udp://`, which old Envoy printed before upstream hosts (and the parser drops). */
export function hasScheme(b: Uint8Array, s: number, e: number): boolean {
  if (e - s <= 6 || b[s + 3] !== 58 || b[s + 4] !== 47 || b[s + 5] !== 47) return false;
  return (b[s] === 116 && b[s + 1] === 99 && b[s + 2] === 112) || (b[s] === 117 && b[s + 1] === 100 && b[s + 2] === 112);
}

/**
 * Appends b[s, e) to `out` at `p` as a JSON string; returns the new position, or -1 when a byte would
 * need escaping or decoding (control, quote, backslash, DEL, non-ASCII): then the general path writes it.
 */
export function copyString(b: Uint8Array, s: number, e: number, out: Uint8Array, p: number): number {
  out[p++] = QUOTE;
  for (let i = s; i < e; i++) {
    const c = b[i] as number;
    if (c < 0x20 || c > 0x7e || c === QUOTE || c === 92) return -1;
    out[p++] = c;
  }
  out[p++] = QUOTE;
  return p;
}
