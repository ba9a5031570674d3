/**
 * English collation, whatever the shell's locale: names sorted in the locale's order (LANG=da_DK puts `aa.log` after
 * `b.log`) gave the same logs' report or `--explain` another order on another machine.
 */
const ENGLISH = new Intl.Collator('en');
const ENGLISH_NUMERIC = new Intl.Collator('en', { numeric: true });

/** Code-unit order: the last tie-break, so strings the collation holds equal (`é` composed and decomposed) never keep their input order. */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The order every name a person reads is listed in (files, hosts, pods): the same on every machine. */
export function compareText(a: string, b: string): number {
  return ENGLISH.compare(a, b) || compareCodeUnits(a, b);
}

/** As `compareText`, digits read as numbers (`cart-2` before `cart-10`): for pod names and addresses. */
export function compareNatural(a: string, b: string): number {
  return ENGLISH_NUMERIC.compare(a, b) || compareCodeUnits(a, b);
}
