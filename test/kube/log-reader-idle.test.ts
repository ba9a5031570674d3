// A followed log counts as caught up (quiet) only when its server had nothing to send while it was being
// read: a stream paused because its consumer is busy (a slow output) must keep holding log time back.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { KubeHttp } from '../../src/sources/kube/kube-http.js';
import { followTimers, IDLE_MS, LogReader } from '../../src/sources/kube/log-reader.js';
import { logTimeFromMs } from '../../src/sources/kube/log-time.js';

const T0 = Date.UTC(2026, 10, 2, 9, 0, 0);

/** A KubeHttp whose every request answers with `body`. */
function apiAnswering(body: PassThrough): KubeHttp {
  return { open: async () => body } as unknown as KubeHttp;
}

const line = (ms: number): string => `${new Date(ms).toISOString()} [x] access log line\n`;

describe('log reader idleness', () => {
  it('is never idle while its consumer holds a chunk, however long; idle again only once it waits on the server', async () => {
    const body = new PassThrough();
    const reader = new LogReader({ api: apiAnswering(body), start: { at: logTimeFromMs(T0), isLogTime: false }, maxLineLength: 65536, hardStop: new AbortController().signal, timers: followTimers() }, 'shop', 'a');
    const graceful = new AbortController();
    const chunks = reader.read({ follow: 'true' }, { graceful: graceful.signal, connected: () => undefined, instanceOver: () => false, deadFollow: () => undefined });
    body.write(line(T0 + 1));
    const first = await chunks.next(); // the consumer now holds this chunk and asks for nothing more
    expect(first.done).toBe(false);
    const later = Date.now() + 10 * IDLE_MS;
    expect(reader.idleMs(later)).toBe(0);
    const next = chunks.next(); // the consumer asks again: from now on, silence is the server's
    await new Promise((resolve) => setImmediate(resolve));
    expect(reader.idleMs(later)).toBeGreaterThanOrEqual(IDLE_MS);
    body.write(line(T0 + 2));
    expect((await next).done).toBe(false);
    body.end();
    expect((await chunks.next()).done).toBe(true);
  });
});
