// Credentials the API server refuses (401) and that cannot be renewed: a token set in the kubeconfig, a
// token file that holds the same token when read again. Once such refusals have lasted REFUSED_FOR_GOOD_MS,
// KubeHttp says so once, naming the context and what was refused (never the token), and fails every later
// request at once; a refusal that ends sooner (the server's identity provider hiccuped) is a 401 like any
// other, and a token file that holds a new token when read again still recovers. And a token file is read
// through a size cap.
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { KubeConfig, type User } from '@kubernetes/client-node';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ApiAction } from '../../src/sources/kube/api-errors.js';
import { ExecCredentialRunner } from '../../src/sources/kube/exec-credential.js';
import { KubeHttp, MAX_TOKEN_FILE_BYTES, REFUSED_FOR_GOOD_MS } from '../../src/sources/kube/kube-http.js';
import { Redactor } from '../../src/sources/kube/redact.js';
import { tempDir } from './helpers.js';

const LIST: ApiAction = { verb: 'list', resource: 'pods', group: '', namespace: 'shop' };
const PATH = '/api/v1/namespaces/shop/pods';
const servers: Server[] = [];

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** A plain-http API stand-in that accepts only `valid.token`; counts every request it gets. */
async function server(valid: { token: string; requests: number }): Promise<string> {
  const s = createServer((req, res) => {
    valid.requests++;
    const ok = req.headers.authorization === `Bearer ${valid.token}`;
    res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
    res.end(ok ? '{"kind":"PodList","items":[]}' : '{"kind":"Status","status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}');
  });
  servers.push(s);
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

/** A KubeHttp for `url` as `user` (context `ctx`), its token file or exec plugin (a node script) if any, and the messages it gave `onRefusedForGood`. */
function client(url: string, user: Omit<User, 'name'>, tokenFile: string | null = null, plugin: string | null = null): { http: KubeHttp; told: string[] } {
  const kc = new KubeConfig();
  kc.loadFromOptions({ clusters: [{ name: 'c', server: url, skipTLSVerify: true }], users: [{ name: 'u', ...user }], contexts: [{ name: 'ctx', cluster: 'c', user: 'u' }], currentContext: 'ctx' });
  const redactor = new Redactor();
  redactor.add(user.token);
  const exec = plugin === null ? null : new ExecCredentialRunner({
    exec: { command: process.execPath, args: [plugin] }, user: 'u', context: 'ctx', cluster: { name: 'c', server: url, skipTLSVerify: true }, redactor,
    notice: () => undefined, stop: new AbortController().signal, stdinIsTerminal: false,
  });
  const told: string[] = [];
  return { http: new KubeHttp(kc, url, 'ctx', redactor, { tokenFile, exec, onRefusedForGood: (m) => told.push(m) }), told };
}

const signal = new AbortController().signal;

/** A client whose token file holds `token` (as written: `text`), after one request the server accepted. */
async function acceptedFromTokenFile(token: string, text = token): Promise<{ file: string; valid: { token: string; requests: number }; http: KubeHttp; told: string[] }> {
  const file = join(tempDir('kube-http-refused-'), 'token');
  writeFileSync(file, text);
  const valid = { token, requests: 0 };
  const { http, told } = client(await server(valid), {}, file);
  await http.getJson(LIST, PATH, {}, signal);
  return { file, valid, http, told };
}

/**
 * The refusal of `http` made to last: one request refused as any 401 is (the count of REFUSED_FOR_GOOD_MS
 * starts), then the clock (Date alone: the sockets keep real time) moved on by that long; returns the next request.
 */
async function lastingRefusal(http: KubeHttp, told: string[]): Promise<unknown> {
  vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
  await expect(http.getJson(LIST, PATH, {}, signal)).rejects.toThrow(/^cannot (list pods in namespace shop|get credentials)/);
  expect(told).toEqual([]);
  vi.setSystemTime(Date.now() + REFUSED_FOR_GOOD_MS);
  return http.getJson(LIST, PATH, {}, signal);
}

describe('KubeHttp: credentials refused for good', () => {
  it('carries on when the server refuses the same token for less than REFUSED_FOR_GOOD_MS (its identity provider hiccuped), then accepts it again', async () => {
    const valid = { token: 'static-token-ffff', requests: 0 };
    const { http, told } = client(await server(valid), { token: 'static-token-ffff' });
    await http.getJson(LIST, PATH, {}, signal);
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    valid.token = 'the-webhook-is-down';
    // It used to stop the run at the second 401, a few milliseconds after the first.
    await expect(http.getJson(LIST, PATH, {}, signal)).rejects.toThrow(/^cannot list pods in namespace shop: .*401/);
    vi.setSystemTime(Date.now() + REFUSED_FOR_GOOD_MS - 1);
    await expect(http.getJson(LIST, PATH, {}, signal)).rejects.not.toThrow(/cannot be renewed/);
    expect(told).toEqual([]);
    valid.token = 'static-token-ffff';
    await expect(http.getJson(LIST, PATH, {}, signal)).resolves.toMatchObject({ kind: 'PodList' });
    // Accepted again: a later refusal starts a new count.
    valid.token = 'the-webhook-is-down-again';
    vi.setSystemTime(Date.now() + REFUSED_FOR_GOOD_MS);
    await expect(http.getJson(LIST, PATH, {}, signal)).rejects.not.toThrow(/cannot be renewed/);
    expect(told).toEqual([]);
  });

  it('stops at a token set in the kubeconfig that the server refuses: says so once, names the context, then fails every request without sending it', async () => {
    const valid = { token: 'static-token-aaaa', requests: 0 };
    const { http, told } = client(await server(valid), { token: 'static-token-aaaa' });
    await http.getJson(LIST, PATH, {}, signal);
    valid.token = 'revoked-so-no-token-works';
    const refused = lastingRefusal(http, told);
    await expect(refused).rejects.toThrow(/^cannot list pods in namespace shop: the API server http:\/\/127\.0\.0\.1:\d+ rejected the credentials of user "u" of context "ctx" \(401 Unauthorized\) and they cannot be renewed: its token is set in the kubeconfig, which is read once, at the start; the run stops$/);
    expect(told).toHaveLength(1);
    expect(told[0]).not.toContain('static-token-aaaa');
    const sent = valid.requests;
    // It used to send every later request with the same token, to be refused again, for as long as the run lasted.
    await expect(http.getJson(LIST, PATH, {}, signal)).rejects.toThrow(/cannot be renewed/);
    expect(valid.requests).toBe(sent);
    expect(told).toHaveLength(1);
  });

  it('stops at a token file that holds the same token when read again after the 401, naming the file', async () => {
    const { file, valid, http, told } = await acceptedFromTokenFile('file-token-bbbb', 'file-token-bbbb\n');
    valid.token = 'rotated-elsewhere';
    await expect(lastingRefusal(http, told)).rejects.toThrow(`and they cannot be renewed: its token file ${file} was read again and holds the same token; the run stops`);
    expect(told).toHaveLength(1);
    expect(told[0]).not.toContain('file-token-bbbb');
  });

  it('stops when the exec plugin, run again after the 401, fails', async () => {
    const dir = tempDir('kube-http-refused-');
    const plugin = join(dir, 'plugin.mjs');
    // The first run gives a token; every later one fails (a refresh token that expired meanwhile).
    writeFileSync(plugin, `import { existsSync, writeFileSync } from 'node:fs';\nconst ran = ${JSON.stringify(join(dir, 'ran'))};\n` +
      `if (existsSync(ran)) { process.stderr.write('refresh token expired\\n'); process.exit(1); }\nwriteFileSync(ran, '1');\n` +
      `process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: 'exec-token-eeee' } }));\n`);
    const valid = { token: 'exec-token-eeee', requests: 0 };
    const { http, told } = client(await server(valid), {}, null, plugin);
    await http.getJson(LIST, PATH, {}, signal);
    valid.token = 'revoked';
    await expect(lastingRefusal(http, told)).rejects.toThrow(/and they cannot be renewed: cannot get credentials for context "ctx": exec plugin \S+ of user "u" failed \(exit 1\): refresh token expired; the run stops$/);
    expect(told).toHaveLength(1);
  });

  it('carries on when the token file holds a new token when read again after the 401', async () => {
    const { file, valid, http, told } = await acceptedFromTokenFile('file-token-cccc');
    valid.token = 'file-token-dddd';
    writeFileSync(file, 'file-token-dddd');
    await expect(http.getJson(LIST, PATH, {}, signal)).resolves.toMatchObject({ kind: 'PodList' });
    expect(told).toEqual([]);
  });
});

describe('KubeHttp: a token file is read through a size cap', () => {
  it.each([
    ['a device that never ends (/dev/zero)', () => '/dev/zero', 'is not a regular file'],
    ['a directory', () => tempDir('kube-http-token-dir-'), 'is not a regular file'],
    ['a file far larger than any token', () => {
      const file = join(tempDir('kube-http-refused-'), 'token');
      writeFileSync(file, 'secret-'.repeat(Math.ceil((MAX_TOKEN_FILE_BYTES + 1) / 7)));
      return file;
    }, `holds more than ${MAX_TOKEN_FILE_BYTES / 1024} KiB, far more than a token`],
  ])('refuses %s, naming the file and the kubeconfig field, never its content', async (_name, make, why) => {
    const file = make();
    const { http } = client(await server({ token: 'x', requests: 0 }), {}, file);
    // /dev/zero was read whole (by client-node's token-file provider, then by kube-http): the run hung, filling memory.
    const error = await http.getJson(LIST, PATH, {}, signal).then(() => null, (e: Error) => e);
    expect(error?.message).toBe(`cannot get credentials for context "ctx": its token file ${file} (the user's tokenFile) ${why}`);
    expect(error?.message).not.toContain('secret-');
  });
});
