/** Comma lists a person typed (a flag's value), shared by the CLI and the sources so that neither layer imports the other. */
import { quotedValue } from './escape.js';
import { UsageError } from '../errors.js';

/**
 * Splits a comma-list flag value into trimmed items. An empty item (`direct,,blocked`, a trailing comma)
 * is a usage error naming the flag: a typo or an unset variable inside the list must not silently drop a name.
 */
export function commaItems(flag: string, text: string): string[] {
  const items = text.split(',').map((s) => s.trim());
  const empty = items.indexOf('');
  if (empty >= 0) {
    throw new UsageError(`${flag}: ${quotedValue(text)} has an empty item (item ${empty + 1} of ${items.length}: a doubled, leading or trailing comma?)`);
  }
  return items;
}
