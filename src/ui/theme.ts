/**
 * Colour decisions in one place: components name a tone, the theme turns it into SGR codes, and with
 * colour off every tone is plain (no escape code at all, not even bold or inverse). Codes are written
 * here rather than through Ink's <Text color>, because rows are drawn as pre-styled strings (Line.tsx).
 */
import type { Verdict } from '../types.js';

/** What a piece of text means; the theme decides how it looks. */
export type Tone =
  | 'plain'
  | 'dim'
  | 'title'
  | 'focus'
  | 'key'
  | 'alarm'
  | 'direct'
  | 'blocked'
  | 'unconfirmed'
  | 'warn'
  | 'ok'
  | 'info';

// [open, close] SGR parameters. Closes are specific (22 bold/dim, 39 fg, 49 bg), never a full reset,
// so a selected row's inverse survives the colours inside it.
const SGR: Record<Tone, readonly [string, string] | null> = {
  plain: null,
  dim: ['2', '22'],
  title: ['1', '22'],
  focus: ['1;36', '22;39'],
  key: ['36', '39'],
  alarm: ['1;97;41', '22;39;49'],
  direct: ['1;31', '22;39'],
  blocked: ['33', '39'],
  unconfirmed: ['35', '39'],
  warn: ['33', '39'],
  ok: ['32', '39'],
  info: ['36', '39'],
};

/** Wraps `text` in the tone's SGR codes, or returns it unchanged when colour is off. */
export function paint(text: string, tone: Tone | undefined, color: boolean): string {
  const codes = color && tone ? SGR[tone] : null;
  return codes && text !== '' ? `\u001b[${codes[0]}m${text}\u001b[${codes[1]}m` : text;
}

/** Draws a whole row inverse (the selection) when colour is on. */
export function inverse(text: string, color: boolean): string {
  return color ? `\u001b[7m${text}\u001b[27m` : text;
}

const VERDICT_TONES: Record<Verdict, Tone> = {
  direct: 'direct',
  blocked: 'blocked',
  'via-gateway-unconfirmed': 'unconfirmed',
  'gateway-only': 'warn',
  'via-gateway': 'ok',
  internal: 'dim',
  inbound: 'dim',
  ingress: 'dim',
};

/** The tone a verdict is shown in everywhere (counters, table, feed, detail). */
export function verdictTone(verdict: Verdict): Tone {
  return VERDICT_TONES[verdict];
}

/** Short verdict labels that fit an 80-column grid; `direct` is upper-case so it stands out without colour. */
export const VERDICT_LABELS: Record<Verdict, string> = {
  direct: 'DIRECT',
  blocked: 'blocked',
  'via-gateway-unconfirmed': 'unconfirmed',
  'gateway-only': 'gw-only',
  'via-gateway': 'via-gw',
  internal: 'internal',
  inbound: 'inbound',
  ingress: 'ingress',
};

