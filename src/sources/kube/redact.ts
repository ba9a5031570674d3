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
    if (value.startsWith('Basic ')) this.add(Buffer.from(value.slice(6), 'base64').toString('utf8'));
  }

  /** The text with every known credential replaced by `[redacted]`. */
  scrub(text: string): string {
    let out = text;
    for (const secret of this.secrets) if (out.includes(secret)) out = out.split(secret).join('[redacted]');
    return out.replace(/(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g, '$1 [redacted]');
  }
}
