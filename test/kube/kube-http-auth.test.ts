// When KubeHttp runs an exec plugin again: before its credential expires (not only when the 30 s cache
// of request options ends), and once for many requests refused with one stale token, not once each.
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiAction } from '../../src/sources/kube/api-errors.js';
import { ExecCredentialRunner } from '../../src/sources/kube/exec-credential.js';
import { KubeHttp } from '../../src/sources/kube/kube-http.js';
import { Redactor } from '../../src/sources/kube/redact.js';
import { tempDir } from './helpers.js';

const LIST: ApiAction = { verb: 'list', resource: 'pods', group: '', namespace: 'shop' };
const servers: Server[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
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

/** A plain-http API stand-in that accepts only `valid.token` (counting the requests it refuses); `?delay=ms` holds its answer back. */
async function server(valid: { token: string; refused: number }): Promise<string> {
  const s = createServer((req, res) => {
    const delay = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('delay') ?? 0);
    setTimeout(() => {
      const ok = req.headers.authorization === `Bearer ${valid.token}`;
      if (!ok) valid.refused++;
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
      res.end(ok ? '{"kind":"PodList","items":[]}' : '{"kind":"Status","status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}');
    }, delay);
  });
  servers.push(s);
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

function client(url: string, dir: string): KubeHttp {
  const kc = new KubeConfig();
  kc.loadFromOptions({ clusters: [{ name: 'c', server: url, skipTLSVerify: true }], users: [{ name: 'u' }], contexts: [{ name: 'ctx', cluster: 'c', user: 'u' }], currentContext: 'ctx' });
  const redactor = new Redactor();
  const exec = new ExecCredentialRunner({
    exec: { command: process.execPath, args: [join(dir, 'plugin.mjs')] },
    user: 'u', context: 'ctx', cluster: { name: 'c', server: url, skipTLSVerify: true }, redactor,
    notice: () => undefined, stop: new AbortController().signal, stdinIsTerminal: false,
  });
  return new KubeHttp(kc, url, 'ctx', redactor, exec);
}

describe('KubeHttp and an exec credential plugin', () => {
  it('renews a credential before it expires, not only when the 30 s cache of request options ends', async () => {
    const p = plugin(11); // renewed 10 s before its expiry: after 1 s
    const valid = { token: 'tok-1', refused: 0 };
    const http = client(await server(valid), p.dir);
    const signal = new AbortController().signal;
    await http.getJson(LIST, '/api/v1/namespaces/shop/pods', {}, signal);
    expect(p.runs()).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    valid.token = 'tok-2';
    await http.getJson(LIST, '/api/v1/namespaces/shop/pods', {}, signal);
    // The old cache sent tok-1 until 30 s had passed: refused, for every request between expiry and then.
    expect(p.runs()).toBe(2);
    expect(valid.refused).toBe(0);
  });

  it('runs the plugin once for requests refused with one stale token, however late their 401 arrives', async () => {
    const p = plugin(null);
    const valid = { token: 'tok-1', refused: 0 };
    const http = client(await server(valid), p.dir);
    const signal = new AbortController().signal;
    await http.getJson(LIST, '/api/v1/namespaces/shop/pods', {}, signal);
    valid.token = 'tok-2'; // rotated: the next run of the plugin gives it
    // Both go out with tok-1; the slow one's 401 comes after the fast one has already renewed the token.
    await Promise.all([
      http.getJson(LIST, '/api/v1/namespaces/shop/pods', { delay: '0' }, signal),
      http.getJson(LIST, '/api/v1/namespaces/shop/pods', { delay: '1500' }, signal),
    ]);
    expect(p.runs()).toBe(2);
  });
});
