import { describe, expect, it } from 'vitest';
import { decodeKeys, type KeyPress } from '../../src/ui/keys.js';

/** A press as a short name: the input, or the key flags that are set. */
function names(presses: KeyPress[]): string[] {
  return presses.map(({ input, key }) => {
    const flags = Object.entries(key)
      .filter(([, on]) => on === true)
      .map(([name]) => name);
    return input !== '' ? [...flags, input].join('+') : flags.join('+');
  });
}

describe('decodeKeys', () => {
  it.each([
    { name: 'a letter', event: 'j', keys: ['j'] },
    { name: 'an upper-case letter', event: 'G', keys: ['shift+G'] },
    { name: 'Enter', event: '\r', keys: ['return'] },
    { name: 'Tab', event: '\t', keys: ['tab'] },
    { name: 'Shift-Tab', event: '\u001b[Z', keys: ['shift+tab'] },
    { name: 'Backspace', event: '\u007f', keys: ['backspace'] },
    { name: 'Ctrl-C', event: '\u0003', keys: ['ctrl+c'] },
    { name: 'Escape alone', event: '\u001b', keys: ['escape'] },
    { name: 'arrows (normal and application mode)', event: '\u001b[A', keys: ['upArrow'] },
    { name: 'arrow in application mode', event: '\u001bOB', keys: ['downArrow'] },
    { name: 'a modified arrow', event: '\u001b[1;5C', keys: ['rightArrow'] },
    { name: 'PageUp', event: '\u001b[5~', keys: ['pageUp'] },
    { name: 'PageDown', event: '\u001b[6~', keys: ['pageDown'] },
    { name: 'Home (tmux)', event: '\u001b[1~', keys: ['home'] },
    { name: 'End (xterm)', event: '\u001b[F', keys: ['end'] },
    { name: 'Delete', event: '\u001b[3~', keys: ['delete'] },
    { name: 'a key we do not know', event: '\u001b[15~', keys: [] },
    { name: 'a pasted or fast-typed run', event: '/ab\r', keys: ['/', 'a', 'b', 'return'] },
    { name: 'text with a control character in it', event: 'a\u0000b', keys: ['a', 'b'] },
  ])('reads $name', ({ event, keys }) => {
    expect(names(decodeKeys(event))).toEqual(keys);
  });

  it.each([
    { name: 'Escape then /', event: '\u001b/', keys: ['escape', '/'] },
    { name: 'Escape then ?', event: '\u001b?', keys: ['escape', '?'] },
    { name: 'Escape then j', event: '\u001bj', keys: ['escape', 'j'] },
    { name: 'Escape then Enter', event: '\u001b\r', keys: ['escape', 'return'] },
    { name: 'Escape twice', event: '\u001b\u001b', keys: ['escape', 'escape'] },
    { name: 'Escape then Up', event: '\u001b\u001b[A', keys: ['escape', 'upArrow'] },
  ])('keeps the Escape of $name arriving together (tmux escape-time, fast typing)', ({ event, keys }) => {
    expect(names(decodeKeys(event))).toEqual(keys);
  });
});
