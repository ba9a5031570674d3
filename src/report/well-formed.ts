/**
 * Lone UTF-16 surrogates cannot be encoded: URIs, XML and I-JSON need them replaced. Log lines have them mended as they
 * are read (parsers/well-formed.ts); a policy's or a file name's text may still hold one when it reaches a report.
 * Every writer writes one as U+FFFD (the text ones through text/escape.ts, which writes it so): the character the parse stage mends log values to, so the host, exception id or
 * file a report names is the one the JSON report, the baseline and a policy match; and the one Unicode's encoders
 * (UTF-8, TextDecoder, toWellFormed) put for half a character.
 */
import { wellFormed } from '../../parsers/well-formed.js';

export { wellFormed };

/**
 * The escape JSON.stringify writes for a lone surrogate (a pair it writes as the character itself), after an
 * even run of backslashes: after an odd run, the backslash before `u` is an escaped one and `ud800` plain text.
 */
const LONE_ESCAPE = /(?<!\\)((?:\\\\)*)\\ud[89a-f][0-9a-f]{2}/g;

/**
 * JSON.stringify with lone surrogates written as the character U+FFFD, keys included, as the parse stage's ByteSink
 * writes them: `"\ud800"` is JSON's grammar but not I-JSON (RFC 7493), and strict readers (Rust's serde_json) refuse it.
 */
export function wellFormedJson(value: unknown, indent?: number): string {
  const text = JSON.stringify(value, null, indent);
  return text.includes('\\ud') ? text.replace(LONE_ESCAPE, '$1\ufffd') : text;
}
