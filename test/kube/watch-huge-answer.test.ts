// An API server (or anything at the kubeconfig's server URL) whose answer to the pod list never stops
// growing: the body is read only up to MAX_JSON_BODY, then the request fails with a message naming the
// server, the context and the request, exit 3, as any API failure. The whole body used to be buffered (a
// 4 GiB one grew the process to 4.4 GB, then an uncaught RangeError stack trace, exit 1).
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_JSON_BODY } from '../../src/sources/kube/kube-http.js';
import { startWatch, tempDir } from './helpers.js';

const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
});

/** A plain-http stand-in on a random loopback port answering every GET with valid JSON `extra` bytes longer than MAX_JSON_BODY. */
async function hugeServer(extra: number): Promise<string> {
  const chunk = Buffer.alloc(1 << 20, 0x61);
  const s = createServer((req, res) => {
    res.on('error', () => undefined); // the client hangs up mid-body: that is the point
    req.socket.on('error', () => undefined);
    res.writeHead(200, { 'content-type': 'application/json' });
    const head = '{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"1"},"items":[],"x":"';
    res.write(head);
    let left = MAX_JSON_BODY + extra - head.length - 2;
    const pump = (): void => {
      while (left > 0 && !res.destroyed) {
        const n = Math.min(left, chunk.length);
        left -= n;
        if (!res.write(chunk.subarray(0, n))) return void res.once('drain', pump);
      }
      if (!res.destroyed) res.end('"}');
    };
    pump();
  });
  servers.push(s);
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

function kubeconfigFor(server: string): string {
  const path = join(tempDir(), 'kubeconfig');
  writeFileSync(path, [
    'apiVersion: v1', 'kind: Config',
    `clusters: [{name: c, cluster: {server: "${server}", insecure-skip-tls-verify: true}}]`,
    'users: [{name: u, user: {token: huge-answer-token-123}}]',
    'contexts: [{name: ctx, context: {cluster: c, user: u, namespace: shop}}]',
    'current-context: ctx', '',
  ].join('\n'));
  return path;
}

describe('watch: an answer larger than any API server sends', () => {
  it('fails the pod list past MAX_JSON_BODY naming the server, context and request: exit 3, no stack trace', async () => {
    const server = await hugeServer(1024 * 1024);
    const out = await startWatch(['--duration', '20s', '-o', 'ndjson', '--kubeconfig', kubeconfigFor(server)]).exited;
    expect(out.stderr).toContain(`cannot list pods in namespace shop: the answer from ${server} (context "ctx") to GET /api/v1/namespaces/shop/pods is larger than 256 MiB`);
    expect(out.stderr).not.toMatch(/\n\s+at |RangeError|internal error/);
    expect(out.code).toBe(3);
  }, 60_000);
});
