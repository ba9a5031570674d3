import { describe, expect, it } from 'vitest';
import { GATEWAY, Held, INNER, OUTER, PLAIN, SIDECAR } from '../../src/engine/held.js';
import type { ClusterInfo } from '../../src/engine/cluster.js';
import type { Entry } from '../../src/types.js';

/**
 * A held entry packs its side, shape, http flag and state into one integer, and keeps its scores as
 * null until set (so that it carries no boxed numbers of its own): every combination reads back as given.
 */
const held = (side: 0 | 1, shape: 0 | 1 | 2, http: boolean): Held =>
  new Held({} as Entry, {} as ClusterInfo, side, shape, http, null, 0, null, null, 0, null);

describe('a held entry', () => {
  it('reads back every side, shape and http flag, and its state flags apart from them and from each other', () => {
    for (const side of [SIDECAR, GATEWAY] as const) {
      for (const shape of [PLAIN, OUTER, INNER] as const) {
        for (const http of [false, true]) {
          const h = held(side, shape, http);
          expect([h.side, h.shape, h.http, h.carrying, h.queued, h.done]).toEqual([side, shape, http, false, true, false]);
          h.carrying = true;
          h.queued = false;
          h.done = true;
          expect([h.side, h.shape, h.http, h.carrying, h.queued, h.done]).toEqual([side, shape, http, true, false, true]);
          h.carrying = false;
          h.done = false;
          expect([h.side, h.shape, h.http, h.carrying, h.queued, h.done, h.free]).toEqual([side, shape, http, false, false, false, true]);
        }
      }
    }
  });

  it('has no score until one is set, and reads back any score set, Infinity included', () => {
    const h = held(SIDECAR, PLAIN, true);
    expect([h.pairScore, h.linkScore]).toEqual([Infinity, Infinity]);
    h.pairScore = 2000.25;
    h.linkScore = 0;
    expect([h.pairScore, h.linkScore]).toEqual([2000.25, 0]);
    h.pairScore = Infinity;
    expect([h.pairScore, h.linkScore]).toEqual([Infinity, 0]);
  });
});
