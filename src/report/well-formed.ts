/** Lone UTF-16 surrogates (possible in hostile log text) cannot be encoded: URIs and XML need them replaced. */

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Replaces lone surrogates with U+FFFD (String.prototype.toWellFormed, which TS's ES2023 lib lacks). */
export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\ufffd');
}
