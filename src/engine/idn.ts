/**
 * International host names compared in one form: every label that is not ASCII becomes its punycode
 * A-label (`bücher` is `xn--bcher-kva`, mapped as browsers do, UTS #46 via node:url), so an exception's
 * host glob and a logged Host header or SNI match whichever of the two forms each was written in.
 */
import { domainToASCII, domainToUnicode } from 'node:url';

/** A character outside ASCII: only such names (or keys) need their punycode form, so the rest skip the work. */
export const NON_ASCII = /[^\x00-\x7f]/;
/** The dots UTS #46 reads as label separators: the ASCII one, and the ideographic and full-width ones. */
const DOTS = /[.\u3002\uff0e\uff61]/;
const WILDCARD = /[*?]/;

/**
 * Characters drawn as nothing (zero-width spaces, word joiners, soft hyphens, bidi controls): UTS #46 maps
 * most of them away, which would key `goo\u200bgle.com` as google.com and let an exception for that
 * host allow it. A name holding one is no valid international name here, so it stays a name of its own.
 * The zero-width joiner and non-joiner are left to IDNA, which never maps them away: it keeps them where a
 * script needs them (Persian `می\u200cخواهم.ir` has a punycode of its own) and refuses them elsewhere.
 */
const INVISIBLE = /(?![\u200c\u200d])[\p{Cf}\p{Default_Ignorable_Code_Point}]/u;

function asciiLabel(label: string): string | null {
  if (!NON_ASCII.test(label)) return label;
  if (INVISIBLE.test(label)) return null;
  const ascii = domainToASCII(label);
  return ascii === '' || ascii.includes('.') ? null : ascii;
}

/** `name` with each non-ASCII label in punycode (lower case); an ASCII name as it is; null when a label is not a valid international name. */
export function asciiName(name: string): string | null {
  if (!NON_ASCII.test(name)) return name;
  const labels = name.split(DOTS).map(asciiLabel);
  return labels.includes(null) ? null : labels.join('.');
}

/**
 * Why a host glob's non-ASCII labels cannot be matched, or null: a wildcard inside such a label (its
 * punycode is not a glob of the names it would match) or a label that is not a valid international name.
 */
export function unicodeGlobProblem(glob: string): string | null {
  if (!NON_ASCII.test(glob)) return null;
  for (const label of glob.split(DOTS)) {
    if (!NON_ASCII.test(label)) continue;
    if (INVISIBLE.test(label)) return `has the label "${label}", which holds a character drawn as nothing (a zero-width space, soft hyphen or bidi control): write the name without it`;
    if (WILDCARD.test(label)) return `has "*" or "?" inside the label "${label}", which is not ASCII: write that label whole, or in punycode (xn--...)`;
    if (asciiLabel(label) === null) return `has the label "${label}", which is not a valid international domain name`;
  }
  return null;
}

/**
 * The Unicode form of a name with punycode labels (`xn--bcher-kva.example` is `bücher.example`), shown
 * beside the punycode a destination is keyed by so a person recognises it; null when there is none.
 */
export function unicodeName(ascii: string): string | null {
  if (!ascii.includes('xn--')) return null;
  const unicode = domainToUnicode(ascii);
  return unicode === '' || unicode === ascii ? null : unicode;
}
