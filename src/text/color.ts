/**
 * Hand-rolled ANSI styling: six SGR codes are not worth a dependency. Every style is a no-op when
 * colour is off, so callers pad and measure plain text and style last.
 */
import type { Verdict } from '../types.js';

/** A set of styling functions; all of them return the text unchanged when colour is off. */
export interface Palette {
  readonly enabled: boolean;
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
  /** `direct` is bold white on red: the one thing the reader must not miss. */
  alarm(text: string): string;
  /** The colour a verdict is shown in (the text is padded by the caller). */
  verdict(verdict: Verdict, text: string): string;
}

const sgr = (open: string, close: string) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;
const same = (text: string): string => text;

const VERDICT_STYLE: Record<Verdict, keyof Omit<Palette, 'enabled' | 'verdict'>> = {
  direct: 'alarm',
  blocked: 'yellow',
  'via-gateway-unconfirmed': 'yellow',
  'gateway-only': 'yellow',
  'via-gateway': 'green',
  internal: 'dim',
  inbound: 'dim',
  ingress: 'dim',
};

/** Creates the palette for one output: real ANSI codes when `enabled`, identity functions otherwise. */
export function createPalette(enabled: boolean): Palette {
  const palette: Palette = {
    enabled,
    bold: enabled ? sgr('1', '22') : same,
    dim: enabled ? sgr('2', '22') : same,
    red: enabled ? sgr('31', '39') : same,
    green: enabled ? sgr('32', '39') : same,
    yellow: enabled ? sgr('33', '39') : same,
    cyan: enabled ? sgr('36', '39') : same,
    alarm: enabled ? sgr('1;97;41', '0') : same,
    verdict: (verdict, text) => palette[VERDICT_STYLE[verdict]](text),
  };
  return palette;
}

// Only the SGR sequences this module writes (ESC [ digits/semicolons m).
const SGR = /\u001b\[[0-9;]*m/g;

/** Removes the styling this module adds, so tests and width checks can see the plain text. */
export function stripStyles(text: string): string {
  return text.replace(SGR, '');
}

/**
 * True unless the NO_COLOR convention (https://no-color.org) asks for no colour (set and not empty),
 * or the terminal says it has none (TERM=dumb, as Emacs' shell and some CI log viewers set it): one rule
 * for the table and the dashboard alike.
 */
export function colorAllowed(env: NodeJS.ProcessEnv): boolean {
  if (env['TERM'] === 'dumb') return false;
  return env['NO_COLOR'] === undefined || env['NO_COLOR'] === '';
}
