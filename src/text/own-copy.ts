/**
 * A string of its own for a name cut from a log line. V8 cuts a field out of a line as a slice that keeps the whole
 * line alive (up to the line limit, 1 MiB): a table or memo that keeps a name beyond its line must keep only the
 * name's characters, so that what it is charged (its length) is what it holds.
 */

/**
 * `text` in a flat string of its own (V8 copies strings under 13 characters anyway). A longer one goes through JSON, which
 * gives a flat string of exactly its characters, lone surrogates included. Not `(' ' + text).slice(1)`, a slice of a
 * flattened copy: two strings (~72 bytes for an address and port, against 40; a role sample keeps two per entry), and a
 * memo's key that V8 compares with the fresh strings looked up through a call into its runtime rather than inline.
 */
export function ownCopy(text: string): string {
  return text.length < 13 ? text : (JSON.parse(JSON.stringify(text)) as string);
}

/** ownCopy for an optional field (a namespace, a cluster name), null as it is. */
export function ownCopyOrNull(text: string | null): string | null {
  return text === null ? null : ownCopy(text);
}
