// The objects of a resource read view by view (scoped-objects.ts): a relist replaces only its own view's, an event
// changes one, and the journal of events tells a follower what changed or that it must start over.
import { describe, expect, it } from 'vitest';
import { ScopedObjects } from '../../src/sources/kube/scoped-objects.js';

interface Thing {
  metadata: { namespace: string; name: string };
  colour: string;
}

const thing = (namespace: string, name: string, colour: string): Thing => ({ metadata: { namespace, name }, colour });

function objects() {
  // A grey thing is not kept, as a slice of no Service is not.
  return new ScopedObjects<Thing, string>((t) => (t.colour === 'grey' ? null : t.colour));
}

describe('ScopedObjects', () => {
  it("replaces on a relist only the objects of the relisted view, and keeps what each object is read as", () => {
    const o = objects();
    o.replace('pay', [thing('pay', 'a', 'red'), thing('pay', 'b', 'blue')]);
    o.replace('shop', [thing('shop', 'c', 'green'), thing('shop', 'd', 'grey')]);
    o.replace('pay', [thing('pay', 'b', 'gold')]);
    expect([...o.entries()]).toEqual([['shop/c', 'green'], ['pay/b', 'gold']]);
    expect([o.size, o.changes]).toEqual([2, 3]);
  });

  it('journals each event with what was kept before and after, and says so when a relist or too many events came between', () => {
    const o = objects();
    o.replace('*', [thing('pay', 'a', 'red')]);
    const mark = o.changes;
    o.event('*', 'MODIFIED', thing('pay', 'a', 'grey'));
    o.event('*', 'ADDED', thing('pay', 'b', 'blue'));
    o.event('*', 'DELETED', thing('pay', 'b', 'blue'));
    expect(o.changesSince(mark)).toEqual([
      { key: 'pay/a', before: 'red', after: undefined },
      { key: 'pay/b', before: undefined, after: 'blue' },
      { key: 'pay/b', before: 'blue', after: undefined },
    ]);
    expect(o.changesSince(o.changes)).toEqual([]);
    const relisted = o.changes;
    o.replace('*', []);
    expect([o.changesSince(mark), o.changesSince(relisted)]).toEqual([null, null]);
    const afterRelist = o.changes;
    for (let i = 0; i < 5000; i++) o.event('*', 'MODIFIED', thing('pay', 'a', `c${i}`));
    expect(o.changesSince(afterRelist)).toBeNull();
    expect(o.changesSince(o.changes - 10)?.map((c) => c.after)).toEqual(Array.from({ length: 10 }, (_, i) => `c${4990 + i}`));
  });

  it('keeps no journal when told nothing follows it (ServiceEntries): a follower is told to start over, never handed old versions', () => {
    const o = new ScopedObjects<Thing, string>((t) => t.colour, false);
    o.replace('*', [thing('pay', 'a', 'red')]);
    const mark = o.changes;
    o.event('*', 'MODIFIED', thing('pay', 'a', 'blue'));
    expect([o.changesSince(mark), o.changesSince(o.changes), o.get('pay/a')]).toEqual([null, [], 'blue']);
  });
});
