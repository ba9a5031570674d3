// Who waits out a "Retry-After" answer: KubeHttp itself for a plain request (a list, a get), but never for
// a stream (a watch, a log follow), whose owner retries it with its own back-off (retryWait); waits that
// nested would hold a graceful stop on the hard-stop signal. (watch-retry-after.test.ts: the whole path.)
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiAction } from '../../src/sources/kube/api-errors.js';
import type { KubeHttp } from '../../src/sources/kube/kube-http.js';
import { plainKubeHttp } from './plain-kube-http.js';

const LOG: ApiAction = { verb: 'get', resource: 'pods/log', group: '', namespace: 'shop', name: 'cart-1' };
const PATH = '/api/v1/namespaces/shop/pods/cart-1/log';
let server: Server | null = null;

afterEach(async () => {
  const s = server;
  server = null;
  if (s !== null) await new Promise((resolve) => s.close(resolve));
});

/** A plain-http API stand-in that answers its first `failing` requests 503 with `Retry-After: 0`, then 200; counts them. */
async function shedding(failing: number): Promise<{ http: KubeHttp; requests(): number }> {
  let n = 0;
  server = createServer((_req, res) => {
    n++;
    if (n <= failing) {
      res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '0' });
      res.end('Too many requests, please try again later.\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{}');
  });
  await new Promise<void>((resolve) => (server as Server).listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${((server as Server).address() as AddressInfo).port}`;
  return { http: plainKubeHttp(url), requests: () => n };
}

describe('KubeHttp and Retry-After', () => {
  it('tries a plain request again after the wait', async () => {
    const s = await shedding(2);
    await expect(s.http.getJson(LOG, PATH, {}, new AbortController().signal)).resolves.toEqual({});
    expect(s.requests()).toBe(3);
  });

  it('hands a stream its Retry-After answer at once, for its owner to wait out', async () => {
    const s = await shedding(2);
    await expect(s.http.open(LOG, PATH, { follow: 'true' }, new AbortController().signal, true)).rejects.toMatchObject({ status: 503, retryAfterS: 0 });
    expect(s.requests()).toBe(1);
  });
});
