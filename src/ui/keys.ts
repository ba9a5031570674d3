/**
 * Turns what the terminal sent into single key presses. Ink splits its input into events (a run of
 * plain text, one escape sequence, or ESC followed by one character) and useInput reads `ESC x` as
 * Alt+x, or as plain `x` for `/` and `?`: the Escape is lost. That is what arrives when Escape and
 * the next key come in one read: tmux sends a key typed within its escape-time of Escape that way,
 * and so do fast typing over ssh and pastes. The dashboard binds no Alt keys, so here `ESC x` is
 * Escape, then x; a run of text is one press per character.
 */
import type { Key } from 'ink';

/** One key press, as the reducer (ui-state.ts) reads it. */
export interface KeyPress {
  input: string;
  key: Key;
}

const NONE: Key = Object.freeze({
  upArrow: false,
  downArrow: false,
  leftArrow: false,
  rightArrow: false,
  pageDown: false,
  pageUp: false,
  home: false,
  end: false,
  return: false,
  escape: false,
  ctrl: false,
  shift: false,
  tab: false,
  backspace: false,
  delete: false,
  meta: false,
  super: false,
  hyper: false,
  capsLock: false,
  numLock: false,
});

type Named = 'upArrow' | 'downArrow' | 'leftArrow' | 'rightArrow' | 'pageDown' | 'pageUp' | 'home' | 'end' | 'return' | 'escape' | 'tab' | 'backspace' | 'delete';

function named(name: Named, shift = false): KeyPress {
  return { input: '', key: { ...NONE, [name]: true, shift } };
}

// The last character of a CSI (`ESC [`) or SS3 (`ESC O`) sequence, and the number of a `ESC [ n ~` one.
const FINAL: Record<string, Named> = { A: 'upArrow', B: 'downArrow', C: 'rightArrow', D: 'leftArrow', H: 'home', F: 'end', Z: 'tab' };
const TILDE: Record<string, Named> = { '1': 'home', '7': 'home', '4': 'end', '8': 'end', '5': 'pageUp', '6': 'pageDown', '3': 'delete' };

/** One character of a plain run: Enter, Tab, Backspace, Ctrl+letter, or text. */
function plainKey(ch: string): KeyPress | null {
  if (ch === '\r' || ch === '\n') return named('return');
  if (ch === '\t') return named('tab');
  if (ch === '\u007f' || ch === '\b') return named('backspace');
  const code = ch.codePointAt(0) ?? 0;
  if (code >= 1 && code <= 26) return { input: String.fromCharCode(code + 96), key: { ...NONE, ctrl: true } };
  if (code < 0x20 || (code >= 0x80 && code < 0xa0)) return null; // other controls mean nothing here
  return { input: ch, key: { ...NONE, shift: /[A-Z]/.test(ch) } };
}

/** A CSI or SS3 sequence (`ESC [ 5 ~`, `ESC O A`, `ESC [ 1 ; 5 A`...), or null when it is not a key we know. */
function sequenceKey(seq: string): KeyPress | null {
  const match = /^\u001b(?:\[|O)([0-9;]*)([A-Za-z~])$/.exec(seq);
  if (match === null) return null;
  const [, params = '', final = ''] = match;
  const name = final === '~' ? TILDE[params.split(';')[0] ?? ''] : FINAL[final];
  return name === undefined ? null : named(name, final === 'Z');
}

/** The key presses in one input event of Ink's (what its App emits for each part of a read). */
export function decodeKeys(event: string): KeyPress[] {
  const out: KeyPress[] = [];
  let rest = event;
  // Escape(s) in front of something: each is a press of Escape (`ESC ESC [A` is Escape, then Up).
  while (rest.startsWith('\u001b')) {
    const after = rest.slice(1);
    if (after === '' || after.startsWith('\u001b')) {
      out.push(named('escape'));
      rest = after;
      continue;
    }
    if (after.startsWith('[') || after.startsWith('O')) {
      const key = sequenceKey(rest);
      if (key !== null) out.push(key);
      return out;
    }
    out.push(named('escape'));
    rest = after;
    break;
  }
  for (const ch of rest) {
    const key = plainKey(ch);
    if (key !== null) out.push(key);
  }
  return out;
}
