/**
 * Whether a stream is a JSON array of log records: a pretty-printed export such as `gcloud logging read
 * --format=json` prints, which is not one record per line, so none of its lines reads as an access log.
 * Decided on the first bytes only, so it costs nothing per line: they must open an array (`[` then `{`,
 * `[`, `"` or `]`, whitespace between) and hold an access log's mark (a `[YYYY-MM-DDT` start time, or an
 * Istio JSON key); an access log's `[2024-...`, a `[pod/...]` prefix, or an array of something else
 * (a test's expected.json) is not one.
 */

/** Bytes looked at before giving up: an export's first record is near its start. */
const LOOK_AT_MOST = 64 << 10;
/** What an access log in a record looks like, escaped inside a JSON string or not. */
const ACCESS_LOG_MARK = /\[\d{4}-\d\d-\d\dT|upstream_cluster|response_flags/;

/** Feeds a stream's first chunks; `result` says once it is known (why: parse and audit name such inputs). */
export class JsonArrayProbe {
  /** True or false once known; null while undecided (also when the stream ended first: read it as false). */
  result: boolean | null = null;
  private bracket = false;
  private opens = false;
  private head = '';

  /** Looks at a chunk of the stream's bytes, in order, until the answer is known. */
  push(chunk: Uint8Array): void {
    if (this.result !== null) return;
    const room = LOOK_AT_MOST - this.head.length;
    const part = Buffer.from(chunk.buffer, chunk.byteOffset, Math.min(chunk.byteLength, room)).toString('latin1');
    if (!this.opens) this.open(part);
    if (this.result !== null) return; // not an array: nothing kept
    this.head += part;
    if (this.opens && ACCESS_LOG_MARK.test(this.head)) this.result = true;
    else if (this.head.length >= LOOK_AT_MOST) this.result = false;
  }

  /** Reads the opening: whitespace (and a UTF-8 BOM), `[`, whitespace, then the first value's first byte. */
  private open(part: string): void {
    for (let i = 0; i < part.length && this.result === null && !this.opens; i++) {
      const c = part.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13 || (this.head.length + i < 3 && (c === 0xef || c === 0xbb || c === 0xbf))) continue;
      if (!this.bracket) {
        if (c === 91 /* [ */) this.bracket = true;
        else this.result = false;
      } else if (c === 123 /* { */ || c === 91 /* [ */ || c === 34 /* " */) {
        this.opens = true;
      } else {
        this.result = false;
      }
    }
  }
}

/**
 * What to tell a user whose inputs (`names`, `count` of them) are JSON arrays: the way to one record per
 * line, `convert` saying how for the command at hand. One wording for `parse`'s note and `audit`'s warning.
 */
export function jsonArrayAdvice(names: string, count: number, convert: string): string {
  const one = count === 1;
  return `${names}: ${one ? 'holds' : 'each hold'} a JSON array of log records (as gcloud logging read --format=json prints), not one record per line, so none of ${one ? 'its' : 'their'} lines was read as an access log. Convert with ${convert}.`;
}
