/**
 * Where a YAML alias bomb ("billion laughs": anchors aliased in lists that are aliased again) passes the alias limit.
 * The yaml library refuses such a document in `toJS` but says nowhere where; this walks the aliases the way it counts
 * them, so the refusal names the line and column of the alias where the limit was hit, as every policy error does.
 */
import { isAlias, isCollection, isPair, visit, type Document, type Node } from 'yaml';

/** The most alias expansions a policy file may hold (yaml's `maxAliasCount`): far more than any real policy writes. */
export const MAX_ALIAS_COUNT = 100;

/** The alias where the limit was passed: its start offset and name, and the start offset of the anchored node. */
export interface AliasOverrun {
  offset: number;
  name: string;
  anchorOffset: number;
}

interface Uses {
  /** Copies of the anchored node so far: the node itself, and each alias of it met. */
  count: number;
  /** How many nodes one copy of the anchored node expands to (aliases inside it counted as what they expand to), once measured. */
  size: number;
}

/**
 * The first alias, in document order, at which yaml's `toJS({ maxAliasCount })` refuses the document: the same
 * count as yaml 2's Alias.resolve (uses of an anchor times the expansions one copy holds), so the position is the one
 * its error is about; null when the aliases stay within the limit.
 */
export function aliasOverrun(doc: Document, max = MAX_ALIAS_COUNT): AliasOverrun | null {
  const uses = new Map<Node, Uses>();
  const sizeOf = (node: unknown): number => {
    if (isAlias(node)) {
      const source = node.resolve(doc);
      const u = source === undefined ? undefined : uses.get(source);
      return u === undefined ? 0 : u.count * u.size;
    }
    if (isCollection(node)) return node.items.reduce<number>((most, item) => Math.max(most, sizeOf(item)), 0);
    if (isPair(node)) return Math.max(sizeOf(node.key), sizeOf(node.value));
    return 1;
  };
  let found: AliasOverrun | null = null;
  visit(doc, {
    Alias(_, alias) {
      const source = alias.resolve(doc);
      if (source === undefined) return undefined;
      const u = uses.get(source) ?? { count: 1, size: 0 };
      uses.set(source, u);
      u.count += 1;
      if (u.size === 0) u.size = sizeOf(source);
      if (u.count * u.size <= max) return undefined;
      found = { offset: alias.range?.[0] ?? 0, name: alias.source, anchorOffset: source.range?.[0] ?? 0 };
      return visit.BREAK;
    },
  });
  return found;
}
