// The objects of a resource read view by view (scoped-objects.ts): a relist replaces only its own view's, an event
// changes one, and the journal of events tells a follower what changed or that it must start over.
import { describe, expect, it } from 'vitest';
import { EndpointSliceIndex, type KubeEndpointSlice } from '../../src/sources/kube/endpoint-slice-index.js';
import { ScopedObjects } from '../../src/sources/kube/scoped-objects.js';

interface Thing {
  metadata: { namespace: string; name: string };
  colour: string;
}

const thing = (namespace: string, name: string, colour: string): Thing => ({ metadata: { namespace, name }, colour });

function objects() {
  // A grey thing is not kept, as a slice of no Service is not.
  return new ScopedObjects<Thing, string>((t) => (t.colour === 'grey' ? null : t.colour), (colour) => colour);
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

  it('journals each event with the group of what was kept before and after, and says so when a relist or too many events came between', () => {
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
    const o = new ScopedObjects<Thing, string>((t) => t.colour, null);
    o.replace('*', [thing('pay', 'a', 'red')]);
    const mark = o.changes;
    o.event('*', 'MODIFIED', thing('pay', 'a', 'blue'));
    expect([o.changesSince(mark), o.changesSince(o.changes), o.get('pay/a')]).toEqual([null, [], 'blue']);
  });

  it('journals of an old version only its group, never the version itself: old EndpointSlices do not stay in memory with their endpoints', () => {
    const o = new ScopedObjects<Thing, { colour: string; endpoints: string[] }>((t) => ({ colour: t.colour, endpoints: [`${t.colour}-1`, `${t.colour}-2`] }), (v) => v.colour);
    o.replace('*', [thing('pay', 'a', 'red')]);
    const mark = o.changes;
    o.event('*', 'MODIFIED', thing('pay', 'a', 'blue'));
    o.event('*', 'DELETED', thing('pay', 'a', 'blue'));
    expect(o.changesSince(mark)).toEqual([
      { key: 'pay/a', before: 'red', after: 'blue' },
      { key: 'pay/a', before: 'blue', after: undefined },
    ]);

    const slices = new EndpointSliceIndex();
    const slice = (service: string, ips: string[]): KubeEndpointSlice => ({
      metadata: { namespace: 'pay', name: 'web-x1', labels: { 'kubernetes.io/service-name': service } },
      addressType: 'IPv4',
      endpoints: ips.map((ip) => ({ addresses: [ip] })),
    });
    slices.replace('*', [slice('web', ['10.244.1.6', '10.244.1.7'])]);
    const sliceMark = slices.changes;
    slices.event('*', 'MODIFIED', slice('web', ['10.244.1.8']));
    slices.event('*', 'MODIFIED', slice('api', ['10.244.1.9']));
    expect(slices.changesSince(sliceMark)).toEqual([
      { key: 'pay/web-x1', before: 'pay/web', after: 'pay/web' },
      { key: 'pay/web-x1', before: 'pay/web', after: 'pay/api' },
    ]);
    expect([slices.endpointsOf('pay/web'), slices.endpointsOf('pay/api')]).toEqual([undefined, { addresses: ['10.244.1.9'], unnamed: false }]);
  });
});
