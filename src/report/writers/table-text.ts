/**
 * Log-derived text as the table shows it: cut to what a person reads on a terminal (clip.ts), then
 * escaped, since a log value may carry terminal escapes (a lone surrogate written U+FFFD, as every writer does). The table's one way of putting such text out.
 */
import { escapeControl } from '../../text/escape.js';
import { clip, cutName, SHOWN_SENTENCE_MAX, SHOWN_VALUE_MAX } from '../../text/clip.js';

/** An identifier (host, workload, rule, exception id): its start and the hash of the whole when long (cutName), escaped. */
export function shownValue(text: string): string {
  return escapeControl(cutName(text));
}

/** A file path: its end, which names the file, escaped. */
export function shownPath(text: string): string {
  return escapeControl(clip(text, SHOWN_VALUE_MAX, 'end'));
}

/**
 * What the run read, as the header names it (one input's path, `N files`, a cluster's context and namespaces): its
 * start and its end, escaped, so a very long path keeps both its directory and the file's name.
 */
export function shownInput(text: string): string {
  return escapeControl(clip(text, SHOWN_SENTENCE_MAX, 'ends'));
}

/** A sentence that may quote log values (reason, fix, exception reason): its start, escaped. */
export function shownSentence(text: string): string {
  return escapeControl(clip(text, SHOWN_SENTENCE_MAX));
}

/**
 * Advice (a coverage warning, a finding's fix): its start and its end, escaped. The end holds what to do (a warning's
 * closing advice, a fix's exception to copy); long quoted values (a list of paths, a host named four times) are what a
 * cut leaves out.
 */
export function shownAdvice(text: string): string {
  return escapeControl(clip(text, SHOWN_SENTENCE_MAX, 'ends'));
}
