// `egress-audit watch` and credentials/errors, the kubectl way, against the fake API server: every user
// kind, $KUBECONFIG with two files, --context, in-cluster, no configuration at all, and 401/403/404,
// an unreachable server and an untrusted certificate, each with a clear message and exit 3. The token
// must never appear in any output.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { basename, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parse, stringify } from 'yaml';
import { describe, expect } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { type FakeApiServer, type FakePod, type KubeconfigOptions } from '../fake-apiserver/index.js';
import { clusterIt, internalLine, lineCounts, parseNdjson, startWatch, tempDir, warnings, type WatchRun } from './helpers.js';

let seq = 0;

function kubeconfig(api: FakeApiServer, opts: KubeconfigOptions = {}): string {
  return api.writeKubeconfig(tempDir(), opts);
}

function pod(api: FakeApiServer, namespace: string, name = 'cart-1'): FakePod {
  seq++;
  return api.addPod({ namespace, name, ip: `10.108.2.${seq}`, containers: ['app', 'istio-proxy'] });
}

async function followed(api: FakeApiServer, p: FakePod): Promise<void> {
  await api.waitUntil(() => api.requests.some((r) => r.subresource === 'log' && r.namespace === p.namespace && r.name === p.name && r.query['follow'] === 'true' && r.status === 200));
}

/** Waits until `p`'s log is followed; fails at once, with the watch's stderr, when it exits first. */
async function followedBy(api: FakeApiServer, run: WatchRun, p: FakePod): Promise<void> {
  const early = await Promise.race([followed(api, p).then(() => null), run.exited]);
  if (early !== null) throw new Error(`watch exited ${early.code} before following ${p.namespace}/${p.name}: ${early.stderr}`);
}

/** Runs a watch of `ns` that reads two lines of `p`, stopped with Ctrl-C. */
async function readTwoLines(api: FakeApiServer, ns: string, p: FakePod, env: Record<string, string>, extra: string[] = []): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const run = startWatch(['-n', ns, '--gateway-namespace', `${ns}-gw`, '-o', 'ndjson', '--fail-on', 'none', ...extra], env);
  await followedBy(api, run, p);
  p.appendLog('istio-proxy', [internalLine(new Date(), 1), internalLine(new Date(), 2)]);
  run.interrupt();
  return run.exited;
}

/**
 * A kubeconfig whose exec plugin is a shell script `name` that runs `before`, then the fake server's own
 * plugin; the kubeconfig names it as `command` (default: its absolute path). Returns the kubeconfig's path.
 */
function wrappedExecPlugin(api: FakeApiServer, name: string, before: string, command?: string): string {
  const dir = tempDir();
  const path = api.writeKubeconfig(dir, { user: 'exec' });
  const doc = parse(readFileSync(path, 'utf8')) as { users: { user: { exec: { command: string; args?: string[] } } }[] };
  const exec = doc.users[0]?.user.exec as { command: string; args?: string[] };
  const real = [exec.command, ...(exec.args ?? [])].map((a) => `'${a}'`).join(' ');
  writeFileSync(join(dir, name), `#!/bin/sh\n${before}exec ${real}\n`, { mode: 0o755 });
  exec.command = command ?? join(dir, name);
  exec.args = [];
  writeFileSync(path, stringify(doc));
  return path;
}

/**
 * A kubeconfig whose user is `auth-provider: gcp` with an expired access token and a `cmd-path` script running
 * `body` (sh), whose stdout is read at `{.credential.access_token}` and `{.credential.token_expiry}`.
 */
function gcpKubeconfig(api: FakeApiServer, body: string): string {
  const dir = tempDir();
  const path = api.writeKubeconfig(dir);
  const doc = parse(readFileSync(path, 'utf8')) as { users: { user: Record<string, unknown> }[] };
  const script = join(dir, 'gcloud-helper');
  writeFileSync(script, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  const user = doc.users[0] as { user: Record<string, unknown> };
  user.user = {
    'auth-provider': {
      name: 'gcp',
      config: { 'access-token': 'old-gcp-access-0123456789', expiry: '2001-01-01T00:00:00Z', 'cmd-path': script, 'cmd-args': 'config config-helper', 'token-key': '{.credential.access_token}', 'expiry-key': '{.credential.token_expiry}' },
    },
  };
  writeFileSync(path, stringify(doc));
  return path;
}

function expectNoSecrets(api: FakeApiServer, out: { stdout: string; stderr: string }): void {
  expect(out.stdout).not.toContain(api.token);
  expect(out.stderr).not.toContain(api.token);
}

async function failsWith(api: FakeApiServer, env: Record<string, string>, args: string[], message: RegExp): Promise<void> {
  const out = await startWatch([...args, '-o', 'ndjson'], env).exited;
  expect(out.stderr).toMatch(message);
  expect(out.code).toBe(3);
  expectNoSecrets(api, out);
}

describe.concurrent('watch: credentials the kubectl way (fake API server)', () => {
  clusterIt.for([
    ['a bearer token', 'token'],
    ['an exec credential plugin', 'exec'],
    ['a client certificate', 'client-cert'],
    ['a tokenFile', 'token-file'],
  ] as const)('reads the cluster with %s', async ([, user], { api }) => {
    const ns = `user-${user}`;
    const p = pod(api, ns);
    const runsBefore = api.execRuns();
    const out = await readTwoLines(api, ns, p, { KUBECONFIG: kubeconfig(api, { user }) });
    expect(lineCounts(parseNdjson(out.stdout).report).records).toBe(2);
    expect(out.code).toBe(0);
    if (user === 'exec') expect(api.execRuns()).toBeGreaterThan(runsBefore);
    expectNoSecrets(api, out);
  });

  clusterIt('reads a token file that ends in a newline (`kubectl create token sa > file`), trimmed as kubectl does', async ({ api }) => {
    const ns = 'token-newline';
    const p = pod(api, ns);
    const dir = tempDir();
    const path = api.writeKubeconfig(dir, { user: 'token-file' });
    writeFileSync(join(dir, 'token'), `${api.token}\n`);
    // It used to exit 3 before reading: "Invalid character in header content ["Authorization"]".
    const out = await readTwoLines(api, ns, p, { KUBECONFIG: path });
    expect(lineCounts(parseNdjson(out.stdout).report).records).toBe(2);
    expect(out.code).toBe(0);
    expectNoSecrets(api, out);
  });

  clusterIt('runs an exec plugin named by a relative path from the kubeconfig’s directory, as kubectl does', async ({ api }) => {
    const ns = 'exec-relative';
    const p = pod(api, ns);
    const out = await readTwoLines(api, ns, p, { KUBECONFIG: wrappedExecPlugin(api, 'auth.sh', '', './auth.sh') });
    expect(out.stderr).not.toMatch(/cannot get credentials/);
    expect(lineCounts(parseNdjson(out.stdout).report).records).toBe(2);
    expect(out.code).toBe(0);
  });

  clusterIt('shows what an exec plugin writes to stderr (a device-code login), and gives it end-of-file on stdin without a terminal', async ({ api }) => {
    const ns = 'exec-login';
    const p = pod(api, ns);
    // Like `kubelogin` in device-code mode: instructions on stderr, stdin read to its end, then the credential.
    const login = `echo 'To sign in, open https://login.example/device and enter the code QX7-\x1b[31mRED' >&2\ncat > /dev/null\n`;
    const out = await readTwoLines(api, ns, p, { KUBECONFIG: wrappedExecPlugin(api, 'login.sh', login) });
    // client-node's runner kept stderr until the plugin ended and gave it a stdin pipe that never closed: this hung.
    expect(out.stderr).toContain('egress-audit: exec plugin login.sh: To sign in, open https://login.example/device and enter the code QX7-\\e[31mRED\n');
    expect(lineCounts(parseNdjson(out.stdout).report).records).toBe(2);
    expect(out.code).toBe(0);
    expectNoSecrets(api, out);
  });

  clusterIt('stops at Ctrl-C while an exec plugin hangs (a login that never completes), exit 3', async ({ api }) => {
    const dir = tempDir();
    const path = api.writeKubeconfig(dir, { user: 'exec' });
    const doc = parse(readFileSync(path, 'utf8')) as { users: { user: { exec: { command: string; args?: string[] } } }[] };
    // Says it has started, then never answers; leaves when egress-audit has gone, so the test leaves no process behind.
    writeFileSync(join(dir, 'hang.mjs'), "process.stderr.write('waiting for a login\\n');\nconst p = process.ppid; setInterval(() => { try { process.kill(p, 0); } catch { process.exit(1); } }, 200);\n");
    Object.assign(doc.users[0]?.user.exec ?? {}, { command: process.execPath, args: [join(dir, 'hang.mjs')] });
    writeFileSync(path, stringify(doc));
    const before = api.requests.length;
    const run = startWatch(['-n', 'hang', '-o', 'ndjson', '--duration', '1s'], { KUBECONFIG: path });
    await run.waitForStderr((t) => t.includes(`exec plugin ${basename(process.execPath)}: waiting for a login`));
    run.interrupt();
    await new Promise((resolve) => setTimeout(resolve, 300));
    run.interrupt(); // the second Ctrl-C cuts everything short
    const out = await run.exited;
    expect(out.stderr).toMatch(/cannot list pods in namespace (?:istio-system|hang): the run was stopped before the request was answered/);
    expect(out.code).toBe(3);
    expect(api.requests.length).toBe(before);
  });

  clusterIt('re-runs the exec plugin and carries on when the token is rotated mid-run', async ({ api }) => {
    const p = pod(api, 'rotate');
    const run = startWatch(['-n', 'rotate', '--gateway-namespace', 'rotate-gw', '-o', 'ndjson', '--fail-on', 'none'], { KUBECONFIG: kubeconfig(api, { user: 'exec' }) });
    await followed(api, p);
    const old = api.token;
    const before = api.requests.length;
    api.setToken('rotated-token-for-tests-only');
    api.dropConnections({ kind: 'log', namespace: 'rotate', pod: 'cart-1' });
    await api.waitUntil(() => api.requests.slice(before).some((r) => r.subresource === 'log' && r.name === 'cart-1' && r.namespace === 'rotate' && r.status === 200));
    p.appendLog('istio-proxy', [internalLine(new Date(), 7)]);
    run.interrupt();
    const out = await run.exited;
    api.setToken(old);
    expect(api.requests.slice(before).some((r) => r.status === 401)).toBe(true); // the old token was refused, then derived again
    expect(lineCounts(parseNdjson(out.stdout).report).records).toBe(1);
    expect(out.stderr).not.toContain('rotated-token-for-tests-only');
  });

  clusterIt('reads a token file again when the server refuses the token it holds, and carries on', async ({ api }) => {
    const p = pod(api, 'rotate-file');
    const run = startWatch(['-n', 'rotate-file', '--gateway-namespace', 'rotate-file-gw', '-o', 'ndjson', '--fail-on', 'none'], { KUBECONFIG: kubeconfig(api, { user: 'token-file' }) });
    await followedBy(api, run, p);
    const old = api.token;
    const before = api.requests.length;
    api.setToken('rotated-file-token-for-tests-only'); // the file is rewritten and the old token refused at once
    api.dropConnections({ kind: 'log', namespace: 'rotate-file', pod: 'cart-1' });
    // Within a minute of the last read: client-node's own token-file cache still held the refused token, so every stream died of 401.
    const resumed = api.waitUntil(() => api.requests.slice(before).some((r) => r.subresource === 'log' && r.name === 'cart-1' && r.namespace === 'rotate-file' && r.status === 200));
    const refused = run.waitForStderr((t) => t.includes('401 Unauthorized'));
    const failed = await Promise.race([resumed.then(() => false), refused.then(() => true, () => true)]);
    if (failed) {
      run.interrupt();
      api.setToken(old);
      throw new Error(`the follow was not resumed with the rotated token: ${(await run.exited).stderr}`);
    }
    p.appendLog('istio-proxy', [internalLine(new Date(), 7)]);
    run.interrupt();
    const out = await run.exited;
    api.setToken(old);
    expect(api.requests.slice(before).some((r) => r.status === 401)).toBe(true);
    expect(out.code).toBe(0);
    expect(lineCounts(parseNdjson(out.stdout).report).records).toBe(1);
    expect(out.stderr).not.toContain('rotated-file-token-for-tests-only');
  });

  clusterIt.for([
    ['a token set in the kubeconfig', 'token', /its token is set in the kubeconfig, which is read once, at the start; the run stops/],
    ['a token file that still holds the refused token when read again', 'frozen-file', /its token file \S+frozen-token was read again and holds the same token; the run stops/],
  ] as const)('stops, exit 3 and a report saying why, when the server goes on refusing %s mid-run', async ([, kind, why], { api }) => {
    const ns = `refused-${kind}`;
    const p = pod(api, ns);
    let path = kubeconfig(api);
    if (kind === 'frozen-file') {
      // A token file nothing rotates: the fake rewrites the token files it wrote itself, not this one.
      const dir = tempDir();
      path = api.writeKubeconfig(dir, { user: 'token-file' });
      const doc = parse(readFileSync(path, 'utf8')) as { users: { user: { tokenFile: string } }[] };
      writeFileSync(join(dir, 'frozen-token'), `${api.token}\n`);
      (doc.users[0] as { user: { tokenFile: string } }).user.tokenFile = join(dir, 'frozen-token');
      writeFileSync(path, stringify(doc));
    }
    // Refusals count as final after 1 ms here (a minute in a run: kube-http-refused.test.ts checks a shorter one carries on).
    const run = startWatch(['-n', ns, '--gateway-namespace', `${ns}-gw`, '-o', 'ndjson', '--fail-on', 'none', '--duration', '30m'], { KUBECONFIG: path, EGRESS_AUDIT_TEST_REFUSED_FOR_GOOD_MS: '1' });
    await followedBy(api, run, p);
    const old = api.token;
    api.setToken(`revoked-${kind}-token-for-tests-only`);
    api.dropConnections({ kind: 'log', namespace: ns, pod: 'cart-1' });
    // It used to go on to --duration with every stream dead of 401 (the test's own time limit ended it).
    const out = await run.exited;
    api.setToken(old);
    expect(out.code).toBe(3);
    expect(out.stderr).toMatch(/rejected the credentials of user "fake-user" of context "fake" \(401 Unauthorized\) and they cannot be renewed: /);
    expect(out.stderr).toMatch(why);
    // Beside the streams the refusal ended, if any (which of them it reached before the stop varies).
    expect(warnings(parseNdjson(out.stdout).report).filter((w) => w.code === 'stream-errors').map((w) => w.message)).toContainEqual(expect.stringMatching(/^The run stopped early, so nothing logged after that was read: cannot /));
    expectNoSecrets(api, out);
  });

  clusterIt('reads a token file saved as UTF-8 with a byte-order mark (Notepad), the mark dropped as from a kubeconfig (client-go would send it and be refused)', async ({ api }) => {
    const ns = 'token-bom';
    const p = pod(api, ns);
    const dir = tempDir();
    const path = api.writeKubeconfig(dir, { user: 'token-file' });
    writeFileSync(join(dir, 'token'), `\ufeff${api.token}\r\n`);
    // It used to exit 3 before reading: the mark went into the header ("would hold a character HTTP does not allow").
    const out = await readTwoLines(api, ns, p, { KUBECONFIG: path });
    expect(lineCounts(parseNdjson(out.stdout).report).records).toBe(2);
    expect(out.code).toBe(0);
    expectNoSecrets(api, out);
  });

  clusterIt('exits 3 at once on a tokenFile that is no regular file (/dev/zero was read without end), naming the field and the context', async ({ api }) => {
    const dir = tempDir();
    const path = api.writeKubeconfig(dir, { user: 'token-file' });
    const doc = parse(readFileSync(path, 'utf8')) as { users: { user: { tokenFile: string } }[] };
    (doc.users[0] as { user: { tokenFile: string } }).user.tokenFile = '/dev/zero';
    writeFileSync(path, stringify(doc));
    await failsWith(api, { KUBECONFIG: path }, ['-n', 'shop'], /cannot get credentials for context "fake": its token file \/dev\/zero \(the user's tokenFile\) is not a regular file/);
  });

  clusterIt('exits 3 on a tokenFile byte that is no UTF-8, naming the file and the byte offset, not a control character, and none of the token', async ({ api }) => {
    const dir = tempDir();
    const path = api.writeKubeconfig(dir, { user: 'token-file' });
    const doc = parse(readFileSync(path, 'utf8')) as { users: { user: { tokenFile: string } }[] };
    const file = join(dir, 'latin1-token');
    writeFileSync(file, Buffer.concat([Buffer.from(api.token.slice(0, 8)), Buffer.of(0xe9), Buffer.from(`${api.token.slice(8)}\n`)]));
    (doc.users[0] as { user: { tokenFile: string } }).user.tokenFile = file;
    writeFileSync(path, stringify(doc));
    await failsWith(api, { KUBECONFIG: path }, ['-n', 'shop'], new RegExp(`cannot get credentials for context "fake": its token file \\S+latin1-token \\(the user's tokenFile\\) is not valid UTF-8 at byte offset 8 \\(line 1\\): a token is ASCII`));
  });

  clusterIt('takes the first file’s current context and entries from a two-file $KUBECONFIG with duplicate names, as kubectl does', async ({ api }) => {
    const p = pod(api, 'multi');
    const good = kubeconfig(api, { context: 'first' });
    const bad = kubeconfig(api, { context: 'second', server: 'https://127.0.0.1:1' }); // same cluster and user names
    const out = await readTwoLines(api, 'multi', p, { KUBECONFIG: `${good}:${bad}` });
    expect(out.stderr).toMatch(/\(context first\)/);
    expect(lineCounts(parseNdjson(out.stdout).report).records).toBe(2);
    await failsWith(api, { KUBECONFIG: `${bad}:${good}` }, ['-n', 'multi'], /cannot reach the API server https:\/\/127\.0\.0\.1:1 of context "second"/);
  });

  clusterIt('switches context with --context (entries still first-file-wins)', async ({ api }) => {
    const p = pod(api, 'ctx');
    const good = kubeconfig(api, { context: 'first' });
    const other = kubeconfig(api, { context: 'second', server: 'https://127.0.0.1:1' });
    const out = await readTwoLines(api, 'ctx', p, { KUBECONFIG: `${good}:${other}` }, ['--context', 'second']);
    expect(out.stderr).toMatch(/\(context second\)/);
    await failsWith(api, { KUBECONFIG: good }, ['--context', 'nope'], /context "nope" is not in \$KUBECONFIG \(contexts: first\)/);
  });

  clusterIt('uses the in-cluster service account (token file, CA, namespace) when there is no kubeconfig', async ({ api }) => {
    const root = tempDir('incluster-');
    const files = api.writeInClusterFiles(root, 'incluster');
    const p = pod(api, 'incluster');
    const run = startWatch(['--gateway-namespace', 'incluster-gw', '-o', 'ndjson', '--fail-on', 'none'], { EGRESS_AUDIT_IN_CLUSTER_ROOT: root, ...files.env });
    await followed(api, p);
    p.appendLog('istio-proxy', [internalLine(new Date(), 1)]);
    run.interrupt();
    const out = await run.exited;
    expect((parseNdjson(out.stdout).report['input'] as { description: string }).description).toMatch(/^context inClusterContext, namespace incluster;/);
    expect(lineCounts(parseNdjson(out.stdout).report).records).toBe(1);
    expectNoSecrets(api, out);
  });

  clusterIt('speaks https to an in-cluster API service on port 8001, 8080 or 80, where client-node would pick plain http (kubectl never does)', async ({ api, skip }) => {
    // The fake listens on a random port; a relay on the first of those ports that is free stands in for the Service.
    const relay = await relayFromFirstFree([8001, 8080, 80], api.port);
    if (relay === null) return skip('none of the ports 8001, 8080, 80 is free on 127.0.0.1');
    try {
      const root = tempDir('incluster-port-');
      const files = api.writeInClusterFiles(root, 'inclusterport');
      const p = pod(api, 'inclusterport');
      const env = { ...files.env, KUBERNETES_SERVICE_PORT: String(relay.port) };
      const run = startWatch(['--gateway-namespace', 'inclusterport-gw', '-o', 'ndjson', '--fail-on', 'none'], { EGRESS_AUDIT_IN_CLUSTER_ROOT: root, ...env });
      await followedBy(api, run, p); // it used to exit 3 at once: "cluster "inCluster" uses plain http://"
      p.appendLog('istio-proxy', [internalLine(new Date(), 1)]);
      run.interrupt();
      const out = await run.exited;
      expect(out.stderr).not.toMatch(/plain http/);
      expect((parseNdjson(out.stdout).report['input'] as { description: string }).description).toMatch(/^context inClusterContext, namespace inclusterport;/);
      expect(lineCounts(parseNdjson(out.stdout).report).records).toBe(1);
      // A kubeconfig's https://host:8001 (or :8080, :80) was always kept https: client-node changes only the in-cluster scheme.
      const q = pod(api, 'kubeconfigport');
      const viaFile = await readTwoLines(api, 'kubeconfigport', q, { KUBECONFIG: kubeconfig(api, { server: `https://127.0.0.1:${relay.port}` }) });
      expect(lineCounts(parseNdjson(viaFile.stdout).report).records).toBe(2);
    } finally {
      await relay.close();
    }
  });

  clusterIt.for<[string, Record<string, string>, RegExp]>([
    ['no configuration at all (never a silent try of localhost:8080)', {}, /no Kubernetes configuration found.*never falls back to http:\/\/localhost:8080/],
    ['a $KUBECONFIG naming only missing files', { KUBECONFIG: '/nonexistent/a:/nonexistent/b' }, /\$KUBECONFIG names no file that exists/],
  ])('exits 3 on %s', async ([, env, message], { api }) => {
    await failsWith(api, { EGRESS_AUDIT_IN_CLUSTER_ROOT: tempDir('empty-root-'), ...env }, [], message);
  });

  clusterIt.for(['https://127.0.0.1:99999', 'https://bad host:443'])('exits 3 naming the cluster when its server %s is not a valid URL (it was exit 70, "internal error: Invalid URL")', async (server, { api }) => {
    await failsWith(api, { KUBECONFIG: kubeconfig(api, { server }) }, ['-n', 'shop'], /cluster "\S+" has server "https:\/\/(127\.0\.0\.1:99999|bad host:443)", which is not a valid URL/);
  });

  clusterIt.for([
    ['a port past 65535', 'https://admin:s3cret@Pw@127.0.0.1:99999', 'https://admin:[redacted]@127.0.0.1:99999'],
    ["a '#' in its password", 'https://admin:s3cret#Pw@127.0.0.1:6443', 'https://admin:[redacted]@127.0.0.1:6443'],
  ])('exits 3 on a server with a password that is no valid URL (%s), quoting it without the password (was said whole)', async ([, server, shown], { api }) => {
    const out = await startWatch(['-n', 'shop', '-o', 'ndjson'], { KUBECONFIG: kubeconfig(api, { server }) }).exited;
    expect(out.stderr).toContain(`has server "${shown}", which is not a valid URL`);
    expect(out.stderr).not.toContain('s3cret');
    expect(out.code).toBe(3);
  });

  clusterIt('exits 3 naming the variables when the in-cluster KUBERNETES_SERVICE_HOST makes no valid URL (it was exit 70)', async ({ api }) => {
    const root = tempDir('incluster-badhost-');
    const files = api.writeInClusterFiles(root, 'badhost');
    await failsWith(api, { EGRESS_AUDIT_IN_CLUSTER_ROOT: root, ...files.env, KUBERNETES_SERVICE_HOST: 'bad host' }, [], /has server "https:\/\/bad host:\d+", which is not a valid URL .*\(made of KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT\)/);
  });

  clusterIt('runs a gcp auth-provider’s cmd-path when its token has expired, and reads the cluster with the token it prints', async ({ api }) => {
    const p = pod(api, 'gcp-ok');
    const path = gcpKubeconfig(api, `[ "$*" = 'config config-helper' ] || exit 9\nprintf '{"credential":{"access_token":"%s","token_expiry":"2999-01-01T00:00:00Z"}}' '${api.token}'`);
    const out = await readTwoLines(api, 'gcp-ok', p, { KUBECONFIG: path });
    expect(lineCounts(parseNdjson(out.stdout).report).records).toBe(2);
    expectNoSecrets(api, out);
  });

  clusterIt('shows a failing gcp cmd-path’s stderr escaped and without the token it printed, once as written and once quoted (client-node passed it raw)', async ({ api }) => {
    const path = gcpKubeconfig(api, `printf '\\033]52;c;cHduZWQ=\\007\\033[2J login failed; cached token SEKRITTOKEN-0123456789abcdef is expired\\n' >&2; exit 1`);
    const out = await startWatch(['-n', 'shop', '-o', 'ndjson'], { KUBECONFIG: path }).exited;
    expect(out.stderr).not.toContain('\x1b');
    expect(out.stderr).not.toContain('SEKRITTOKEN');
    expect(out.stderr).not.toContain('old-gcp-access');
    expect(out.stderr).toContain('egress-audit: gcp auth-provider command gcloud-helper: \\e]52;c;cHduZWQ=\\x07\\e[2J login failed; cached token [redacted] is expired\n');
    expect(out.stderr).toMatch(/cannot get credentials for context "fake": gcp auth-provider command gcloud-helper of user "\S+" failed \(exit 1\): \\e\]52;c;cHduZWQ=\\x07\\e\[2J login failed; cached token \[redacted\] is expired/);
    expect(out.code).toBe(3);
  });

  clusterIt('refreshes an expired oidc id-token through its idp-issuer-url (client-node failed: "server" must be an instance of URL)', async ({ api }) => {
    const dir = tempDir();
    const path = api.writeKubeconfig(dir);
    const doc = parse(readFileSync(path, 'utf8')) as { users: { user: Record<string, unknown> }[] };
    const expired = `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from('{"exp":1}').toString('base64url')}.SEKRITIDTOKENSIG`;
    const config = { 'client-id': 'egress', 'client-secret': 'OIDC-CLIENT-SECRET-abc', 'id-token': expired, 'idp-issuer-url': 'https://127.0.0.1:1/', 'refresh-token': 'SEKRIT-REFRESH-TOKEN' };
    (doc.users[0] as { user: Record<string, unknown> }).user = { 'auth-provider': { name: 'oidc', config } };
    writeFileSync(path, stringify(doc));
    const out = await startWatch(['-n', 'shop', '-o', 'ndjson'], { KUBECONFIG: path }).exited;
    // The refresh is tried: the issuer cannot be reached (nothing listens on port 1).
    expect(out.stderr).toMatch(/cannot get credentials for context "fake": /);
    expect(out.stderr).not.toContain('instance of URL');
    for (const secret of ['SEKRITIDTOKENSIG', 'SEKRIT-REFRESH-TOKEN', 'OIDC-CLIENT-SECRET']) expect(out.stderr).not.toContain(secret);
    expect(out.code).toBe(3);
  });

  clusterIt('exits 3 with --kubeconfig naming a missing file', async ({ api }) => {
    await failsWith(api, {}, ['--kubeconfig', '/nonexistent/kubeconfig'], /kubeconfig \/nonexistent\/kubeconfig: no such file/);
  });

  clusterIt('exits 3 on a kubeconfig byte that is no UTF-8 (a Latin-1 é after the token), naming the file, its line and byte offset and none of its content (it was read with a U+FFFD, and the token then said to hold a control character)', async ({ api }) => {
    const path = kubeconfig(api);
    const text = readFileSync(path);
    const at = text.indexOf(`token: ${api.token}`) + `token: ${api.token}`.length;
    expect(at).toBeGreaterThan(20);
    writeFileSync(path, Buffer.concat([text.subarray(0, at), Buffer.of(0xe9), text.subarray(at)]));
    const line = text.subarray(0, at).toString('latin1').split('\n').length;
    await failsWith(api, { KUBECONFIG: path }, ['-n', 'shop'], new RegExp(`^egress-audit: kubeconfig ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${line}: not valid UTF-8 at byte offset ${at}: a kubeconfig is read only as written, never with a byte mended \\(a token or a server URL would change\\); save it as UTF-8 \\(its content is not shown: it holds credentials\\)\n$`));
    expect(api.requests).toHaveLength(0);
  });

  clusterIt.for([
    ['gzip-compressed', (text: Buffer): Buffer => gzipSync(text), 'is gzip-compressed', 'decompress it'],
    ['UTF-16LE (a byte-order mark)', (text: Buffer): Buffer => Buffer.concat([Buffer.of(0xff, 0xfe), Buffer.from(text.toString('utf8'), 'utf16le')]), 'is UTF-16LE text', 'save it as UTF-8'],
    ['UTF-16BE (no mark)', (text: Buffer): Buffer => Buffer.from(text.toString('utf8'), 'utf16le').swap16(), 'is UTF-16BE text', 'save it as UTF-8'],
  ] as const)('exits 3 with --kubeconfig naming a %s kubeconfig and why, as kubectl refuses it (was read as plain text and used), none of its content shown', async ([, encode, why, fix], { api }) => {
    const path = kubeconfig(api);
    writeFileSync(path, encode(readFileSync(path)));
    const shown = path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    await failsWith(api, {}, ['--kubeconfig', path, '-n', 'shop'], new RegExp(`^egress-audit: kubeconfig ${shown}: ${why}, which kubectl does not read: a kubeconfig is read only as written, as plain UTF-8 text; ${fix} \\(its content is not shown: it holds credentials\\)\n$`));
    expect(api.requests).toHaveLength(0);
  });

  clusterIt('exits 3 on a UTF-16 tokenFile, naming the file and why (was read with its NULs, then said to put a character HTTP does not allow in the header)', async ({ api }) => {
    const dir = tempDir();
    const path = api.writeKubeconfig(dir, { user: 'token-file' });
    const doc = parse(readFileSync(path, 'utf8')) as { users: { user: { tokenFile: string } }[] };
    const file = join(dir, 'utf16-token');
    writeFileSync(file, Buffer.from(`${api.token}\n`, 'utf16le'));
    (doc.users[0] as { user: { tokenFile: string } }).user.tokenFile = file;
    writeFileSync(path, stringify(doc));
    await failsWith(api, { KUBECONFIG: path }, ['-n', 'shop'], /cannot get credentials for context "fake": its token file \S+utf16-token \(the user's tokenFile\) is UTF-16LE text, which kubectl does not read as a token: a token file holds the token as plain text/);
  });

  clusterIt('removes an earlier run\'s report, saying so, when it cannot connect (CI must not upload it as this run\'s)', async ({ api }) => {
    const report = join(tempDir('stale-report-'), 'r.json');
    // An earlier run's real report: a failed run removes only what its content shows is one of egress-audit's.
    const scenario = new URL('../../fixtures/scenarios/direct-passthrough/', import.meta.url).pathname;
    writeFileSync(report, spawnSync(process.execPath, [BIN, 'audit', scenario, '-o', 'json'], { encoding: 'utf8' }).stdout);
    await failsWith(api, {}, ['--kubeconfig', '/nonexistent/kubeconfig', '--report', `json=${report}`], /removed .*r\.json: it was an earlier run's report/);
    expect(existsSync(report)).toBe(false);
  });
});

describe.concurrent('watch: API errors are clear, name what failed, and never print credentials (fake API server)', () => {
  clusterIt('exits 3 on 401, naming the context and never the token', async ({ api }) => {
    api.setUnauthorized({});
    await failsWith(api, { KUBECONFIG: kubeconfig(api) }, ['-n', 'shop'], /cannot list pods in namespace (istio-system|shop): the API server https:\/\/127\.0\.0\.1:\d+ rejected the credentials of user "fake-user" of context "fake" \(401 Unauthorized\)/);
  });

  clusterIt('exits 3 naming the context when its token holds a character no HTTP header may carry, without the token', async ({ api }) => {
    const path = kubeconfig(api);
    const doc = parse(readFileSync(path, 'utf8')) as { users: { user: { token: string } }[] };
    (doc.users[0] as { user: { token: string } }).user.token = `${api.token}\u001b[2J`; // an escape pasted in with it
    writeFileSync(path, stringify(doc));
    // It used to say only `Invalid character in header content ["Authorization"]`, naming neither the request nor the context.
    await failsWith(api, { KUBECONFIG: path }, ['-n', 'shop'], /cannot list pods in namespace (istio-system|shop): the credentials of context "fake" cannot be sent: the Authorization header would hold a character HTTP does not allow/);
  });

  clusterIt('runs a failing exec plugin once and exits 3 with its message (a device-code login is not asked twice)', async ({ api }) => {
    const path = wrappedExecPlugin(api, 'login.sh', 'echo "To sign in, enter the code WXYZ-0000" >&2\nexit 1\n');
    const out = await startWatch(['-n', 'shop', '-o', 'ndjson'], { KUBECONFIG: path }).exited;
    expect(out.code).toBe(3);
    expect(out.stderr).toMatch(/cannot get credentials for context "fake": exec plugin login\.sh of user "fake-user" failed \(exit 1\)/);
    // The gateway list's failure was kept as a note, and the sidecar list ran the plugin again: its instructions twice.
    expect(out.stderr.split('\n').filter((l) => l === 'egress-audit: exec plugin login.sh: To sign in, enter the code WXYZ-0000')).toHaveLength(1);
  });

  clusterIt('exits 3 on 403 for the pod list, naming the missing permission', async ({ api }) => {
    api.setForbidden({ verb: 'list', resource: 'pods', namespace: 'shop' });
    await failsWith(api, { KUBECONFIG: kubeconfig(api) }, ['-n', 'shop'], /cannot list pods in namespace shop: the ClusterRole needs pods: list/);
  });

  clusterIt('says on stderr at once when the pod watch is forbidden, naming the permission, and exits 3', async ({ api }) => {
    const p = pod(api, 'denywatch', 'cart-1');
    api.setForbidden({ verb: 'watch', resource: 'pods', namespace: 'denywatch' });
    const run = startWatch(['-n', 'denywatch', '--gateway-namespace', 'denywatch-gw', '-o', 'ndjson', '--fail-on', 'none'], { KUBECONFIG: kubeconfig(api) });
    await followed(api, p);
    await run.waitForStderr((t) => t.includes('cannot watch pods in namespace denywatch: the ClusterRole needs pods: watch'));
    run.interrupt();
    const out = await run.exited;
    expect(out.stderr.split('needs pods: watch')).toHaveLength(2); // once, not at every retry
    expect(out.code).toBe(3);
    expectNoSecrets(api, out);
  });

  clusterIt('says once what an exec plugin that fails mid-run writes, however often it is run again, and names the inputs its failure stopped', async ({ api }) => {
    const a = pod(api, 'relogin', 'cart-1');
    const b = pod(api, 'relogin', 'cart-2');
    const dir = tempDir();
    const broken = join(dir, 'broken');
    const runs = join(dir, 'runs');
    // Works until `broken` exists, then fails as a login whose session ran out does, on every run.
    const path = wrappedExecPlugin(api, 'relogin.sh', `if [ -e '${broken}' ]; then echo run >> '${runs}'; echo "token refresh failed: session expired" >&2; exit 1; fi\n`);
    // The wait between a failing plugin's runs shortened (1 s, then 2 s): each stream's retries still run it again, and again.
    const run = startWatch(['-n', 'relogin', '--gateway-namespace', 'relogin-gw', '-o', 'ndjson', '--fail-on', 'none'], { KUBECONFIG: path, EGRESS_AUDIT_TEST_EXEC_RETRY_MS: '50' });
    await followedBy(api, run, a);
    await followed(api, b);
    writeFileSync(broken, '');
    const old = api.token;
    api.setToken('refused-from-now-on-for-tests-only'); // the kept credential is refused: the plugin is run again, and fails
    api.dropConnections({ kind: 'log', namespace: 'relogin' });
    const failedRuns = (): number => (existsSync(runs) ? readFileSync(runs, 'utf8').split('\n').filter(Boolean).length : 0);
    // The failed runs leave no request at the server to wait on: look at their count until there are three (each stream retried).
    while (failedRuns() < 3) await new Promise((resolve) => setTimeout(resolve, 50));
    run.interrupt();
    const out = await run.exited;
    api.setToken(old);
    // Each failed run's stderr was said again: a line per run, for every stream's every retry, for as long as the run lasted.
    expect(out.stderr.split('\n').filter((l) => l === 'egress-audit: exec plugin relogin.sh: token refresh failed: session expired')).toHaveLength(1);
    const said = warnings(parseNdjson(out.stdout).report).find((w) => w.code === 'stream-errors')?.message ?? '';
    expect(said).toMatch(/^2 inputs could not be read to the end: cannot get credentials for context "fake": exec plugin relogin\.sh of user "fake-user" failed \(exit 1\): token refresh failed: session expired \(2 inputs: pod\/relogin\/cart-[12]\/istio-proxy; pod\/relogin\/cart-[12]\/istio-proxy\)$/);
    expect(out.code).toBe(3);
    expectNoSecrets(api, out);
  });

  clusterIt('reads the other pods when one pod’s log is forbidden, says which permission is missing, and exits 3', async ({ api }) => {
    const ok = pod(api, 'denylog', 'cart-1');
    pod(api, 'denylog', 'cart-2');
    api.setForbidden({ resource: 'pods/log', namespace: 'denylog', name: 'cart-2' });
    const run = startWatch(['-n', 'denylog', '--gateway-namespace', 'denylog-gw', '-o', 'ndjson', '--fail-on', 'none'], { KUBECONFIG: kubeconfig(api) });
    await followed(api, ok);
    await run.waitForStderr((t) => t.includes('cannot get the istio-proxy log of pod denylog/cart-2: the ClusterRole needs pods/log: get'));
    ok.appendLog('istio-proxy', [internalLine(new Date(), 1)]);
    run.interrupt();
    const out = await run.exited;
    const { report } = parseNdjson(out.stdout);
    expect(lineCounts(report).records).toBe(1);
    expect(warnings(report).find((w) => w.code === 'stream-errors')?.message).toMatch(/pods\/log: get/);
    expect(out.code).toBe(3);
    // Said once, when it happened: the end of the run used to print the same line again.
    expect(out.stderr.split('\n').filter((l) => l.includes('cannot get the istio-proxy log of pod denylog/cart-2'))).toHaveLength(1);
    expectNoSecrets(api, out);
  });

  clusterIt('exits 3 on 404 from a server that is not a Kubernetes API at that URL', async ({ api }) => {
    await failsWith(api, { KUBECONFIG: kubeconfig(api, { server: `${api.url}/not-kubernetes` }) }, ['-n', 'shop'], /cannot list pods in namespace shop: 404 Not Found from https:\/\/127\.0\.0\.1:\d+\/not-kubernetes/);
  });

  clusterIt('exits 3 when the API server cannot be reached', async ({ api }) => {
    await failsWith(api, { KUBECONFIG: kubeconfig(api, { server: 'https://127.0.0.1:1' }) }, ['-n', 'shop'], /cannot reach the API server https:\/\/127\.0\.0\.1:1 of context "fake" \(connect ECONNREFUSED/);
  });

  clusterIt('names an unreachable server without its query or fragment, where a token may be passed', async ({ api }) => {
    const out = await startWatch(['-n', 'shop', '-o', 'ndjson'], { KUBECONFIG: kubeconfig(api, { server: 'https://127.0.0.1:1/?access_token=s3cret-query-token#s3cret-fragment' }) }).exited;
    expect(out.stderr).toMatch(/cannot reach the API server https:\/\/127\.0\.0\.1:1 of context "fake" \(connect ECONNREFUSED/);
    expect(out.stderr).not.toContain('s3cret');
    expect(out.code).toBe(3);
  });

  clusterIt('exits 3 naming the proxy too when the cluster goes through one that cannot be reached, without its password', async ({ api }) => {
    const path = kubeconfig(api);
    const doc = parse(readFileSync(path, 'utf8')) as { clusters: { cluster: Record<string, unknown> }[] };
    Object.assign(doc.clusters[0]?.cluster ?? {}, { 'proxy-url': 'http://squid:s3cret-proxy-pass@127.0.0.1:1' });
    writeFileSync(path, stringify(doc));
    const out = await startWatch(['-n', 'shop', '-o', 'ndjson'], { KUBECONFIG: path }).exited;
    expect(out.stderr).toMatch(/cannot reach the API server https:\/\/127\.0\.0\.1:\d+ of context "fake" through its proxy http:\/\/127\.0\.0\.1:1 \(/);
    expect(out.stderr).not.toContain('s3cret-proxy-pass');
    expect(out.code).toBe(3);
  });

  clusterIt('exits 3 when the server certificate is not trusted', async ({ api }) => {
    const path = kubeconfig(api);
    const doc = parse(readFileSync(path, 'utf8')) as { clusters: { cluster: Record<string, unknown> }[] };
    delete doc.clusters[0]?.cluster['certificate-authority-data'];
    writeFileSync(join(path), stringify(doc));
    await failsWith(api, { KUBECONFIG: path }, ['-n', 'shop'], /the TLS connection to https:\/\/127\.0\.0\.1:\d+ failed \(.*certificate-authority/);
  });
});

/** A TCP relay on 127.0.0.1 to `to`, listening on the first of `ports` that is free; null when none is. */
async function relayFromFirstFree(ports: number[], to: number): Promise<{ port: number; close(): Promise<void> } | null> {
  for (const port of ports) {
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      const upstream = connect(to, '127.0.0.1');
      for (const s of [socket, upstream]) {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        s.on('error', () => [socket, upstream].forEach((x) => x.destroy()));
      }
      socket.pipe(upstream).pipe(socket);
    });
    const listening = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (!listening) continue;
    const close = (): Promise<void> => {
      for (const s of sockets) s.destroy(); // the API server keeps its connections alive
      return new Promise((resolve) => server.close(() => resolve()));
    };
    return { port, close };
  }
  return null;
}
