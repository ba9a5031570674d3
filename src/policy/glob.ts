/**
 * The policy's glob dialect, kept deliberately tiny: `*` matches any run of characters (dots
 * included) and `?` one character. No braces, classes or negation, so a glob reads as what it matches.
 */
import { asciiName, canonicalName, unicodeGlobProblem } from '../engine/index.js';

const HOST_GLOB = /^[A-Za-z0-9._*?-]+$/;
const NAME_GLOB = /^[a-z0-9.*?-]+$/;

/** Why `text` is not a host glob (letters, digits, `.`, `-`, `_`, `*`, `?`), or null when it is one. */
export function hostGlobProblem(text: string): string | null {
  if (text.length === 0) return 'must not be empty';
  if (text.length > 253) return 'is longer than a DNS name can be (253)';
  if (text.includes(':')) return 'must not hold a port (use ports:)';
  if (!HOST_GLOB.test(text)) return 'is not a host glob (letters, digits, ".", "-", "_", and the wildcards "*" and "?")';
  // No name has an empty label: `b..com` would never match, and nothing would say so.
  if (text.startsWith('.') || text.includes('..')) return 'has an empty label (".." or a leading "."), which no host name has';
  // `*.` (a name cut short) is `*` once its final dot goes, as `api.example.com.` is `api.example.com`: every host.
  if (text !== '*' && /^\*+\.?$/.test(text)) return 'matches every host, as "*" does (a name cut short?): write "*" if every host is meant';
  return null;
}

/**
 * Why `text` is not an exception's host glob, or null: a host glob whose labels may also be written in
 * Unicode (`*.bücher.example`), checked in its punycode form (the form it is matched in).
 */
export function exceptionHostGlobProblem(text: string): string | null {
  if (text.includes(':')) return hostGlobProblem(text); // a port, said as such rather than as a bad label
  return unicodeGlobProblem(text) ?? hostGlobProblem(asciiName(text) ?? text);
}

/** Why `text` is not a namespace glob, or null when it is one. */
export function namespaceGlobProblem(text: string): string | null {
  return NAME_GLOB.test(text) ? null : 'is not a namespace glob (lower-case letters, digits, ".", "-", "*", "?")';
}

/** Why `text` is not a workload glob (`name` or `namespace/name`), or null when it is one. */
export function workloadGlobProblem(text: string): string | null {
  const parts = text.split('/');
  if (parts.length <= 2 && parts.every((p) => NAME_GLOB.test(p))) return null;
  return 'is not a workload glob ("name" or "namespace/name"; lower-case letters, digits, ".", "-", "*", "?")';
}

/** Matches one glob against text in O(len * len) at worst: no regex, so hostile hosts cannot blow it up. */
export function globMatch(glob: string, text: string): boolean {
  let g = 0;
  let t = 0;
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    const c = glob.charCodeAt(g);
    if (g < glob.length && (c === 0x3f || c === text.charCodeAt(t))) {
      g++;
      t++;
    } else if (g < glob.length && c === 0x2a) {
      star = g++;
      mark = t;
    } else if (star >= 0) {
      g = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (g < glob.length && glob.charCodeAt(g) === 0x2a) g++;
  return g === glob.length;
}

/** Compiles globs into one case-insensitive matcher; null for an empty list (no constraint). */
export function compileGlobs(globs: readonly string[]): ((text: string) => boolean) | null {
  if (globs.length === 0) return null;
  const lower = globs.map((g) => g.toLowerCase());
  return (text) => {
    const t = text.toLowerCase();
    return lower.some((g) => globMatch(g, t));
  };
}

/**
 * Compiles exception host globs: as compileGlobs, but both sides are read in the one form destinations
 * are keyed by (canonicalName): a name and its absolute form (`api.example.com.`, which Istio routes like
 * the plain name) are the same host, and so are its Unicode and punycode forms (`bücher`, `xn--bcher-kva`).
 */
export function compileHostGlobs(globs: readonly string[]): ((host: string) => boolean) | null {
  const match = compileGlobs(globs.map(canonicalName));
  return match && ((host) => match(canonicalName(host)));
}
