// When KubeHttp runs an exec plugin again: before its credential expires (not only when the 30 s cache
// of request options ends), once for many requests refused with one stale token, not once each, and for
// a 401 that meets a routine re-read (which may hand back the very token refused) all the same.
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ApiAction } from '../../src/sources/kube/api-errors.js';
import { ExecCredentialRunner, type ExecCredential } from '../../src/sources/kube/exec-credential.js';
import type { KubeHttp } from '../../src/sources/kube/kube-http.js';
import { Redactor } from '../../src/sources/kube/redact.js';
import { tempDir } from './helpers.js';
import { plainKubeHttp } from './plain-kube-http.js';

const LIST: ApiAction = { verb: 'list', resource: 'pods', group: '', namespace: 'shop' };
const servers: Server[] = [];

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(
    servers.splice(0).map((s) => {
      s.closeAllConnections(); // a request a failed test left held
      return new Promise((resolve) => s.close(resolve));
    }),
  );
});

/** A plugin that hands out `tok-1`, `tok-2`, ... one per run, expiring after `expirySeconds` (none when null). */
function plugin(expirySeconds: number | null): { dir: string; runs(): number } {
  const dir = tempDir('kube-http-auth-');
  writeFileSync(join(dir, 'n'), '0');
  const script = join(dir, 'plugin.mjs');
  writeFileSync(
    script,
    `import { readFileSync, writeFileSync } from 'node:fs';\nconst f = ${JSON.stringify(join(dir, 'n'))};\nconst n = Number(readFileSync(f, 'utf8')) + 1;\nwriteFileSync(f, String(n));\n` +
      `const status = { token: 'tok-' + n };\n${expirySeconds === null ? '' : `status.expirationTimestamp = new Date(Date.now() + ${expirySeconds * 1000}).toISOString();\n`}` +
      `process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status }));\n`,
  );
  return { dir, runs: () => Number(readFileSync(join(dir, 'n'), 'utf8')) };
}

/** Answers a pod list when the request carries `Bearer token`, else a 401 Status; true when it accepted. */
function answerPods(req: IncomingMessage, res: ServerResponse, token: string): boolean {
  const ok = req.headers.authorization === `Bearer ${token}`;
  res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
  res.end(ok ? '{"kind":"PodList","items":[]}' : '{"kind":"Status","status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}');
  return ok;
}

/**
 * A plain-http API stand-in that accepts only `valid.token` (counting the requests it refuses); it holds a
 * request with `?hold=1` until the test calls `held.release()` (`held.arrived` gives the token it carried).
 */
async function server(valid: { token: string; refused: number }): Promise<{ url: string; held: { arrived: Promise<string>; release(): void } }> {
  const arrived = gate<string>();
  const released = gate();
  const s = createServer((req, res) => {
    const answer = (): void => {
      if (!answerPods(req, res, valid.token)) valid.refused++;
    };
    if (new URL(req.url ?? '/', 'http://x').searchParams.get('hold') !== '1') return answer();
    arrived.open(req.headers.authorization ?? '');
    void released.promise.then(answer);
  });
  servers.push(s);
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, held: { arrived: arrived.promise, release: () => released.open() } };
}

function client(url: string, dir: string): KubeHttp {
  const redactor = new Redactor();
  const exec = new ExecCredentialRunner({
    exec: { command: process.execPath, args: [join(dir, 'plugin.mjs')] },
    user: 'u', context: 'ctx', cluster: { name: 'c', server: url, skipTLSVerify: true }, redactor,
    notice: () => undefined, stop: new AbortController().signal, stdinIsTerminal: false,
  });
  return plainKubeHttp(url, redactor, exec);
}

describe('KubeHttp and an exec credential plugin', () => {
  it('renews a credential before it expires, not only when the 30 s cache of request options ends', async () => {
    // Renewed 10 s before its expiry: 15 s after the plugin ran, whose clock is real. The test's clock stops
    // before that run and then moves 20 s, so the plugin may start up to 5 s late (a loaded machine) and the
    // credential still be due, and not yet expired, well within the 30 s cache.
    const p = plugin(25);
    const valid = { token: 'tok-1', refused: 0 };
    const http = client((await server(valid)).url, p.dir);
    const signal = new AbortController().signal;
    vi.useFakeTimers({ toFake: ['Date'] }); // the clock moves when the test says; timers and I/O stay real
    await http.getJson(LIST, '/api/v1/namespaces/shop/pods', {}, signal);
    expect(p.runs()).toBe(1);
    vi.setSystemTime(Date.now() + 20_000);
    valid.token = 'tok-2';
    await http.getJson(LIST, '/api/v1/namespaces/shop/pods', {}, signal);
    // The old cache sent tok-1 until 30 s had passed: refused, for every request between expiry and then.
    expect(p.runs()).toBe(2);
    expect(valid.refused).toBe(0);
  });

  it('runs the plugin once for requests refused with one stale token, however late their 401 arrives', async () => {
    const p = plugin(null);
    const valid = { token: 'tok-1', refused: 0 };
    const { url, held } = await server(valid);
    const http = client(url, p.dir);
    const signal = new AbortController().signal;
    await http.getJson(LIST, '/api/v1/namespaces/shop/pods', {}, signal);
    valid.token = 'tok-2'; // rotated: the next run of the plugin gives it
    // Both go out with tok-1; the held one's 401 comes after the other has already renewed the token.
    const fast = http.getJson(LIST, '/api/v1/namespaces/shop/pods', {}, signal);
    const slow = http.getJson(LIST, '/api/v1/namespaces/shop/pods', { hold: '1' }, signal);
    expect(await held.arrived).toBe('Bearer tok-1');
    await expect(fast).resolves.toMatchObject({ kind: 'PodList' });
    expect(p.runs()).toBe(2);
    held.release();
    await expect(slow).resolves.toMatchObject({ kind: 'PodList' });
    expect(p.runs()).toBe(2);
  });
});

/** A promise and its resolve, for steps the test releases. */
function gate<T = void>(): { promise: Promise<T>; open(value: T): void } {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => (open = resolve));
  return { promise, open };
}

/**
 * A plain-http API stand-in that accepts only `valid.token`; it holds each request until the test answers
 * it (`next()` gives the answer of the next request to arrive: 200 or 401 by the token it carried), or
 * until `answerAll()` answers those held and every one after.
 */
async function holdingServer(valid: { token: string }): Promise<{ url: string; next(): Promise<() => void>; answerAll(): void }> {
  type Held = () => void;
  const arrived: Held[] = [];
  const waiting: ((answer: Held) => void)[] = [];
  let all = false;
  const s = createServer((req: IncomingMessage, res: ServerResponse) => {
    const answer = (): void => {
      answerPods(req, res, valid.token);
    };
    if (all) return answer();
    const w = waiting.shift();
    if (w !== undefined) w(answer);
    else arrived.push(answer);
  });
  servers.push(s);
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`,
    next: () => {
      const answer = arrived.shift();
      return answer !== undefined ? Promise.resolve(answer) : new Promise((resolve) => waiting.push(resolve));
    },
    answerAll: () => {
      all = true;
      for (const answer of arrived.splice(0)) answer();
    },
  };
}

/**
 * An exec runner that keeps its token until told it was refused (`fresh`: then `tok-2`, `tok-3`, ...),
 * whose credential is always due for renewal (every request re-reads the options), and whose routine
 * reads wait on `hold` when set (taking the token they hand back when they begin).
 */
class KeptTokenRunner {
  token = 'tok-1';
  forcedRuns = 0;
  hold: Promise<void> | null = null;
  /** When a credential handed out is due for renewal (ms since the epoch): at once, unless a test keeps it. */
  renewAtMs = 0;
  readonly routineBegan = gate();
  async credential(fresh: boolean): Promise<ExecCredential> {
    if (fresh) this.token = `tok-${++this.forcedRuns + 1}`;
    const token = this.token;
    if (!fresh && this.hold !== null) {
      this.routineBegan.open();
      await this.hold;
    }
    return { token, cert: null, key: null, expiresAt: null };
  }
  renewAt(): number {
    return this.renewAtMs;
  }
}

/** A redactor that says when KubeHttp first words an error (here: a request's 401 has reached the client). */
class ErrorSpy extends Redactor {
  readonly worded = gate();
  override scrub(text: string): string {
    this.worded.open();
    return super.scrub(text);
  }
}

function keptTokenClient(url: string, runner: KeptTokenRunner, redactor = new Redactor()): KubeHttp {
  return plainKubeHttp(url, redactor, runner as unknown as ExecCredentialRunner);
}

describe('KubeHttp: a 401 that meets a routine re-read of the credentials', () => {
  const PODS = '/api/v1/namespaces/shop/pods';

  /** A server that accepts `valid.token` (tok-1 until a test rotates it) and answers when told, and a client whose plugin runs are counted. */
  async function scene(redactor?: Redactor) {
    const valid = { token: 'tok-1' };
    const api = await holdingServer(valid);
    const runner = new KeptTokenRunner();
    const http = keptTokenClient(api.url, runner, redactor);
    return { valid, api, runner, http, signal: new AbortController().signal };
  }

  it('does not take the token a routine re-read still in flight hands back, and runs the plugin once', async () => {
    const spy = new ErrorSpy();
    const { valid, api, runner, http, signal } = await scene(spy);
    const a = http.getJson(LIST, PODS, {}, signal); // goes out with tok-1
    const answerA = await api.next();
    valid.token = 'tok-2'; // the server now refuses tok-1
    const hold = gate();
    runner.hold = hold.promise;
    const b = http.getJson(LIST, PODS, {}, signal); // its routine re-read waits, holding tok-1
    await runner.routineBegan.promise;
    answerA(); // 401 to A while B's routine re-read is in flight
    await spy.worded.promise;
    await new Promise((resolve) => setImmediate(resolve)); // A has asked for options again by now
    hold.open();
    api.answerAll();
    // Before: A joined B's routine re-read, got tok-1 back, and failed with a second 401.
    await expect(a).resolves.toMatchObject({ kind: 'PodList' });
    await expect(b).resolves.toMatchObject({ kind: 'PodList' }); // B's 401 with tok-1 waits for A's renewal, not a run of its own
    expect(runner.forcedRuns).toBe(1);
  });

  it('keeps the forced renewal when a routine re-read it overtook ends after it, handing back the refused token', async () => {
    const { valid, api, runner, http, signal } = await scene();
    const a = http.getJson(LIST, PODS, {}, signal); // goes out with tok-1
    const answerA = await api.next();
    valid.token = 'tok-2';
    const hold = gate();
    runner.hold = hold.promise;
    const b = http.getJson(LIST, PODS, {}, signal); // its routine re-read waits, holding tok-1
    await runner.routineBegan.promise;
    runner.renewAtMs = Number.POSITIVE_INFINITY; // from now on credentials are kept for the options' cache time
    answerA(); // A's 401: a forced re-read gives tok-2, kept
    api.answerAll();
    await expect(a).resolves.toMatchObject({ kind: 'PodList' });
    hold.open(); // B's routine re-read ends after the forced one, with tok-1
    // Before: the overtaken routine re-read put tok-1 back in the cache, and B's retry (and every request after) got a second 401.
    await expect(b).resolves.toMatchObject({ kind: 'PodList' });
    await expect(http.getJson(LIST, PODS, {}, signal)).resolves.toMatchObject({ kind: 'PodList' });
    expect(runner.forcedRuns).toBe(1);
  });

  it('does not take a newer set of options that carries the refused token as a renewal', async () => {
    const { valid, api, runner, http, signal } = await scene();
    const a = http.getJson(LIST, PODS, {}, signal);
    const answerA = await api.next();
    const b = http.getJson(LIST, PODS, {}, signal); // a routine re-read: new options, still tok-1
    const answerB = await api.next();
    valid.token = 'tok-2';
    answerA();
    const retryA = await api.next();
    retryA();
    // Before: A's options were no longer the current ones, so A took B's (tok-1 again) and failed.
    await expect(a).resolves.toMatchObject({ kind: 'PodList' });
    answerB();
    (await api.next())();
    await expect(b).resolves.toMatchObject({ kind: 'PodList' });
    expect(runner.forcedRuns).toBe(1);
  });
});
