/**
 * A string of its own for a name cut from a log line. V8 cuts a field out of a line as a slice that keeps the whole
 * line alive (up to the line limit, 1 MiB): a table or memo that keeps a name beyond its line must keep only the
 * name's characters, so that what it is charged (its length) is what it holds.
 */

/**
 * `text` in a flat string of its own (V8 copies strings under 13 characters anyway). Not a slice of a copy (`(' ' +
 * text).slice(1)`): a memo's key is compared with the fresh strings looked up, and V8 compares two flat strings inline
 * but a sliced one through a call into its runtime. A JSON round trip is exact for any string, lone surrogates included.
 */
export function ownCopy(text: string): string {
  return text.length < 13 ? text : (JSON.parse(JSON.stringify(text)) as string);
}

/** ownCopy for an optional field (a namespace, a cluster name), null as it is. */
export function ownCopyOrNull(text: string | null): string | null {
  return text === null ? null : ownCopy(text);
}
