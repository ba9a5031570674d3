import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RunDashboard } from '../../src/run/dashboard-run.js';
import { Notices } from '../../src/run/notices.js';

/** Standard error as written during `fn`. */
function stderrOf(fn: () => void): string {
  let out = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  fn();
  return out;
}

describe('Notices', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('shows a message on the dashboard, prints it once it lets go, and does not print it again at the end of the run', () => {
    const shown: string[] = [];
    const notices = new Notices();
    notices.hold({ notice: (m: string) => shown.push(m) } as unknown as RunDashboard);
    const err = stderrOf(() => {
      notices.say('cannot get the istio-proxy log of pod shop/cart-2: the ClusterRole needs pods/log: get');
      notices.release();
      // watch's end of run: each stream's error, which was this same message (it used to be printed twice, one under the other).
      notices.sayOnce('cannot get the istio-proxy log of pod shop/cart-2: the ClusterRole needs pods/log: get');
      notices.sayOnce('the log of pod shop/cart-3 broke off');
    });
    expect(shown).toEqual(['cannot get the istio-proxy log of pod shop/cart-2: the ClusterRole needs pods/log: get']);
    expect(err).toBe(
      'egress-audit: cannot get the istio-proxy log of pod shop/cart-2: the ClusterRole needs pods/log: get\n' +
        'egress-audit: the log of pod shop/cart-3 broke off\n',
    );
  });
});
