/** Lone UTF-16 surrogates (possible in hostile log text) cannot be encoded: URIs, XML and I-JSON need them replaced. */

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Replaces lone surrogates with U+FFFD (String.prototype.toWellFormed, which TS's ES2023 lib lacks). */
export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\ufffd');
}

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
