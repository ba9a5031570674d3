// An informer's view is healthy again once the server takes a watch, or once a relist has succeeded: a watch
// refused with a plain HTTP 410 (the resourceVersion too old, after a drop) is neither, so a run stopped
// during the relist that follows still reports the failure that left the view behind.
import { describe, expect, it } from 'vitest';
import { KubeApiError } from '../../src/sources/kube/api-errors.js';
import { Backoff } from '../../src/sources/kube/backoff.js';
import { Informer } from '../../src/sources/kube/informer.js';
import type { KubeHttp } from '../../src/sources/kube/kube-http.js';

describe('Informer health', () => {
  it('is not cleared by a watch refused with a plain 410: the relist decides', async () => {
    const stop = new AbortController();
    const refusals = [new KubeApiError('the watch of pods dropped', 'unavailable', null, ''), new KubeApiError('HTTP 410', 'expired', 410, '')];
    const api = {
      open: async () => {
        throw refusals.shift() ?? new Error('no more watches expected');
      },
      // The relist after the 410: the run stops before it answers.
      getJson: (_action: unknown, _path: string, _query: unknown, signal: AbortSignal) => {
        stop.abort();
        return Promise.reject(signal.reason as Error);
      },
    } as unknown as KubeHttp;
    const health: (string | null)[] = [];
    const informer = new Informer(api, { action: { verb: 'list', resource: 'pods', group: '', namespace: 'shop' }, path: '/api/v1/namespaces/shop/pods', query: {} }, {
      replace: () => undefined,
      event: () => undefined,
      health: (error) => health.push(error === null ? null : error.message),
    }, new Backoff(0, 0));
    await informer.run(stop.signal);
    expect(refusals).toEqual([]);
    expect(informer.relists).toBe(1);
    expect(health).toEqual(['the watch of pods dropped']); // was [..., null]: the 410 cleared it before any relist
  });
});
