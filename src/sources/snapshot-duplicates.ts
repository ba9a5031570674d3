/**
 * Services, EndpointSlices and ServiceEntries listed twice under one `namespace/name` in an `audit --pods` list (one
 * pieced together by hand, or two saves concatenated). The indexes keep one object per name, so the later would silently
 * replace the earlier. A copy that is the same item read twice loses nothing and is read once; two that differ stop the
 * run (exit 3, naming both items), since which of them held when the logs were written is not known, and keeping either
 * could vouch for a ClusterIP whose other version led outside the mesh, or drop a MESH_EXTERNAL address.
 */
import { isDeepStrictEqual } from 'node:util';
import { InputError } from '../errors.js';
import { escapeControl, shownName } from '../text/escape.js';
import { objectKey, type NamedObject } from './kube/scoped-objects.js';

/** An item of the list and where it stood in it (0-based). */
export interface ListedItem<T> {
  at: number;
  item: T;
}

/** `listed` (items of one `kind`) with each repeated copy left out; exit 3 naming the file and both items when two of one name differ. */
export function onceEach<T extends NamedObject>(path: string, kind: string, listed: readonly ListedItem<T>[], saveWith: string): T[] {
  const first = new Map<string, ListedItem<T>>();
  const out: T[] = [];
  for (const listing of listed) {
    const key = objectKey(listing.item.metadata?.namespace, listing.item.metadata?.name);
    const earlier = first.get(key);
    if (earlier === undefined) {
      first.set(key, listing);
      out.push(listing.item);
    } else if (!isDeepStrictEqual(earlier.item, listing.item)) {
      throw new InputError(
        `--pods ${shownName(path)}: items ${earlier.at + 1} and ${listing.at + 1} are both ${kind} ${escapeControl(key)} and differ: which of them held when the logs were written is not known, and either could change a verdict (keep one, or save the list once with ${saveWith})`,
      );
    }
  }
  return out;
}
