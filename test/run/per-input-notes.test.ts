import { describe, expect, it } from 'vitest';
import { NOTES_SAID_PER_KIND, PerInputNotes } from '../../src/run/per-input-notes.js';

describe('PerInputNotes', () => {
  it('says the first of each kind, counts the rest once, and explains only kinds cut short, every note escaped', () => {
    const said: string[] = [];
    const notes = new PerInputNotes();
    const copies = notes.kind('copies', (m) => said.push(m));
    const skipped = notes.kind('skipped', (m) => said.push(m));
    for (let i = 0; i < NOTES_SAID_PER_KIND + 3; i++) copies(`copy ${i}\u001b`);
    skipped('one');
    notes.sayHeldBack();
    notes.sayHeldBack(); // nothing new held back: nothing said again
    expect(said).toEqual([...Array.from({ length: NOTES_SAID_PER_KIND }, (_, i) => `copy ${i}\u001b`), 'one', 'and 3 more like it (copies): --explain lists them all']);
    copies('late');
    notes.sayHeldBack();
    expect(said.at(-1)).toBe('and 1 more like it (copies): --explain lists them all');
    const explained = notes.explained();
    expect(explained.startsWith(`\n  copies (${NOTES_SAID_PER_KIND + 4}):\n    copy 0\\e\n`)).toBe(true);
    expect(explained).not.toContain('skipped');
    expect(explained.split('\n').length).toBe(NOTES_SAID_PER_KIND + 6);
  });

  it('keeps every note of a kind for the report warning that repeats them, those held back on stderr too (audit kept them a second time)', () => {
    const notes = new PerInputNotes();
    const skipped = notes.kind('skipped', () => undefined);
    const all = Array.from({ length: NOTES_SAID_PER_KIND + 2 }, (_, i) => `input ${i}: a dangling link`);
    for (const note of all) skipped(note);
    expect(skipped.notes).toEqual(all);
  });
});
