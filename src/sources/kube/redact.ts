/**
 * Tokens, passwords, keys and certificates must never reach a terminal, a report or a CI log. Every
 * message the live source produces passes through here; it replaces any credential the kubeconfig or an
 * exec plugin supplied, whatever wording carried it (an exec plugin's stderr, a server echo).
 */

/** Remembers the credentials in use and scrubs them from text. */
export class Redactor {
  private readonly secrets = new Set<string>();

  /** Adds a credential (strings shorter than 6 characters are too likely to be ordinary words and are ignored). */
  add(secret: unknown): void {
    if (typeof secret === 'string') {
      const trimmed = secret.trim();
      if (trimmed.length >= 6) this.secrets.add(trimmed);
    } else if (Buffer.isBuffer(secret)) {
      this.add(secret.toString('utf8'));
    }
  }

  /** Adds the credential of an `Authorization` header (`Bearer x`, `Basic x`). */
  addHeader(value: unknown): void {
    if (typeof value !== 'string') return;
    const space = value.indexOf(' ');
    this.add(space >= 0 ? value.slice(space + 1) : value);
    if (/^basic /i.test(value)) this.add(Buffer.from(value.slice(6), 'base64').toString('utf8')); // schemes are case-insensitive (RFC 9110)
  }

  /**
   * A command's output (an exec plugin's or a gcp cmd-path's stderr) with the known credentials and every
   * word shaped like a token replaced: a plugin that fails may print one the run never learns (a cached,
   * expired token). A URL is kept, as a login URL must be opened as written (scrub took its password and
   * secret-named query values already), so its characters are not read as a token.
   */
  scrubOutput(text: string): string {
    return this.scrub(text).replace(URL_OR_WORD, (w) => (/^https?:\/\//i.test(w) || !tokenShaped(w) ? w : '[redacted]'));
  }

  /**
   * The text with every known credential replaced by `[redacted]`, and those that need no learning too: an
   * `Authorization` scheme's value, a URL's password (`https://user:pw@host`) and its secret-named query values
   * (a kubeconfig's `server:` or proxy URL may carry them, and error messages quote URLs).
   */
  scrub(text: string): string {
    let out = text;
    for (const secret of this.secrets) if (out.includes(secret)) out = out.split(secret).join('[redacted]');
    return scrubUnlearnt(out);
  }
}

/**
 * Redactor.scrub's credentials that need no learning, for a message made before the run has a Redactor: a kubeconfig
 * error quoting its own server URL (one with a password, and a port past 65535, was said whole).
 */
export function scrubUnlearnt(text: string): string {
  return text
    .replace(AUTH_VALUE, (all, scheme: string, value: string) => (/^bearer$/i.test(scheme) || /[^a-z]/.test(value) ? `${scheme} [redacted]` : all))
    .replace(URL_PASSWORD, '$1[redacted]@')
    .replace(URL_IN_TEXT, (url) => url.replace(SECRET_QUERY, '$1[redacted]'));
}

/**
 * An `Authorization` scheme and its value, in any case (`bearer x` is as good as `Bearer x`); a sentence's last `.`
 * is kept. A `Basic` value of lower-case letters alone is kept: a word (`basic authentication`), not base64.
 */
const AUTH_VALUE = /\b(Bearer|Basic)\s+([A-Za-z0-9._~+/=-]{7,}[A-Za-z0-9_~+/=-])/gi;
/**
 * A URL's scheme and `://`, its length bounded: unbounded, every letter of a long run of letters, digits, dots and
 * dashes (a hostile API server's message, a plugin's line) began a scan to the run's end, and 100 KB took a minute.
 */
const SCHEME = String.raw`[a-z][a-z0-9+.-]{0,31}:\/\/`;
/**
 * The password of a URL's user info, up to its last `@` (as URL parsers read `https://u:p@ss@host`: the password is
 * `p@ss`), a `?` or `#` in it too (`https://u:s3cret#Pw@host` parses as no URL, and is quoted so). Not a port followed by
 * a query or a fragment parameter (`http://localhost:8000?login_hint=me@corp.com`): RFC 3986's user info holds no
 * unescaped `?` or `#`, so every URL parser reads that as host, port and query. A parameter (`name=`) it must show:
 * a password written unescaped that begins with digits (`https://admin:2024?Pw@proxy:3128`, a kubeconfig written by
 * hand) parses as a port too, but is the person's secret all the same, and was said whole.
 */
const URL_PASSWORD = new RegExp(String.raw`(${SCHEME}[^\s/@:"'<>]*:)(?![0-9]{1,5}[?#][^\s/"'<>@]*=)[^\s/"'<>]+@`, 'gi');
/** A URL within a message. */
const URL_IN_TEXT = new RegExp(String.raw`${SCHEME}[^\s"'<>]+`, 'gi');

/** A URL, or a long run of the characters tokens are made of (base64, base64url, hex, JWT dots, dashes). */
const URL_OR_WORD = /https?:\/\/[^\s"'<>]+|[A-Za-z0-9_~+/=.-]{20,}/gi;
/** A URL's query or fragment value whose name says it is a secret. */
const SECRET_QUERY = /([?&#][\w.-]*(?:token|secret|password|passwd|signature|sig|key|assertion)=)[^&#\s]*/gi;

/**
 * A word of 20+ token characters with at least 4 digits and 4 letters, and a capital letter or a run of 16
 * letters and digits: a token, a key or a hash, not a path, a host name (lower case, short labels) or an API version.
 */
function tokenShaped(word: string): boolean {
  return (word.match(/\d/g)?.length ?? 0) >= 4 && (word.match(/[A-Za-z]/g)?.length ?? 0) >= 4 && /[A-Z]|[A-Za-z0-9]{16}/.test(word);
}
