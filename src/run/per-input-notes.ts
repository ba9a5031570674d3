/**
 * Notes said once per input (a copy read once, an input left out, one that could not be read): an audit of 5,000
 * copies said 5,000 lines. Each kind says its first few as they come and counts the rest in one line; --explain
 * lists every note of a kind that was cut short, so nothing said before is lost.
 */
import { escapeControl } from '../text/escape.js';

/** How many notes of one kind are said before the rest are only counted. */
export const NOTES_SAID_PER_KIND = 10;

/** Kinds both audit and parse say, under one heading each, so that their "and N more" lines and --explain read alike. */
export const INPUT_NOTE_KINDS = {
  leftOut: 'inputs found but left out',
  ownOutputs: 'files egress-audit wrote, found among the inputs and left out',
  unreadable: 'inputs that could not be read',
} as const;

/** One kind of note: says the first NOTES_SAID_PER_KIND, keeps every one. */
interface Kind {
  heading: string;
  say: (message: string) => void;
  notes: string[];
  /** Notes already counted in an "and N more" line. */
  counted: number;
}

/** Says one note of a kind; `notes`, every note of the kind so far (a report's warning repeats them: kept here, not twice). */
export type NoteKind = ((note: string) => void) & { readonly notes: readonly string[] };

/** The per-input notes of one run, each kind bounded on stderr (or the dashboard) and kept whole for --explain. */
export class PerInputNotes {
  private readonly kinds: Kind[] = [];

  /** A kind of note, told by `heading` (`inputs left out`), said through `say`: returns the function that says one. */
  kind(heading: string, say: (message: string) => void): NoteKind {
    const kind: Kind = { heading, say, notes: [], counted: 0 };
    this.kinds.push(kind);
    const sayOne = (note: string): void => {
      kind.notes.push(note);
      if (kind.notes.length <= NOTES_SAID_PER_KIND) say(note);
    };
    return Object.assign(sayOne, { notes: kind.notes });
  }

  /** Says how many notes of each kind were held back since the last call, one line a kind (nothing when none were). */
  sayHeldBack(): void {
    for (const kind of this.kinds) {
      const more = Math.max(0, kind.notes.length - NOTES_SAID_PER_KIND) - kind.counted;
      if (more === 0) continue;
      kind.counted += more;
      kind.say(`and ${more} more like it (${kind.heading}): --explain lists them all`);
    }
  }

  /** For --explain: every note of each kind that held some back, under its heading ('' when none did). */
  explained(): string {
    return this.kinds
      .filter((k) => k.notes.length > NOTES_SAID_PER_KIND)
      .map((k) => `\n  ${k.heading} (${k.notes.length}):${k.notes.map((n) => `\n    ${escapeControl(n)}`).join('')}`)
      .join('');
  }
}
