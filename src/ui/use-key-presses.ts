/**
 * The dashboard's keyboard: Ink's raw input events, decoded by keys.ts (not useInput, which loses an
 * Escape that arrives together with the next key), with raw mode on while it listens.
 */
import { useStdin } from 'ink';
import { useEffect, useRef } from 'react';
import { decodeKeys, type KeyPress } from './keys.js';

/** Calls `onKeys` with the presses of each input event while `active` (raw mode on meanwhile). */
export function useKeyPresses(onKeys: (presses: KeyPress[]) => void, active: boolean): void {
  // `internal_eventEmitter` is Ink's internal, not its API: a later 6.x may drop it, so package.json pins
  // ink to ~6.8.0 (patch releases only). Raising it: check that test/ui/dashboard.test.tsx still gets keys.
  const { setRawMode, internal_eventEmitter: events } = useStdin();
  const handler = useRef(onKeys);
  handler.current = onKeys;
  useEffect(() => {
    if (!active) return;
    setRawMode(true);
    const onInput = (event: string): void => {
      const presses = decodeKeys(event);
      if (presses.length > 0) handler.current(presses);
    };
    events.on('input', onInput);
    return () => {
      events.off('input', onInput);
      setRawMode(false);
    };
  }, [active, events, setRawMode]);
}
