// The exec credential runner against real child processes (small node scripts): what kubectl users get
// from their plugins (the plugin's stderr as it is written, end-of-file on stdin without a terminal, a
// credential kept until it expires), and what a run without a terminal must not do (hang for ever).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { ExecCredentialRunner, FAILED_RUN_WAIT_MS, readCredential, type ExecConfig } from '../../src/sources/kube/exec-credential.js';
import { Redactor } from '../../src/sources/kube/redact.js';
import { tempDir } from './helpers.js';

const TOKEN = 'tok-0123456789abcdef';

/** A plugin script in a fresh directory; it appends a line to `runs` on every run. */
function plugin(body: string): { exec: ExecConfig; dir: string; runs(): number } {
  const dir = tempDir();
  const script = join(dir, 'plugin.mjs');
  writeFileSync(
    script,
    `import { appendFileSync } from 'node:fs';\nappendFileSync(${JSON.stringify(join(dir, 'runs'))}, 'run\\n');\n` +
      `const credential = (status) => process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status }));\n${body}\n`,
  );
  return {
    exec: { command: process.execPath, args: [script], apiVersion: 'client.authentication.k8s.io/v1' },
    dir,
    runs: () => {
      try {
        return readFileSync(join(dir, 'runs'), 'utf8').split('\n').filter(Boolean).length;
      } catch {
        return 0;
      }
    },
  };
}

/** Whether process `pid` still runs. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function runner(exec: ExecConfig, extra: Partial<ConstructorParameters<typeof ExecCredentialRunner>[0]> = {}) {
  const notices: { at: number; text: string }[] = [];
  const stop = new AbortController();
  const r = new ExecCredentialRunner({
    exec,
    user: 'alice',
    context: 'prod',
    cluster: { name: 'c', server: 'https://api.example:6443', skipTLSVerify: false, caData: 'Q0E=' },
    redactor: new Redactor(),
    notice: (text) => notices.push({ at: Date.now(), text }),
    stop: stop.signal,
    stdinIsTerminal: false,
    ...extra,
  });
  return { r, notices, stop };
}

describe('exec credential plugins, run the way kubectl runs them', () => {
  it('shows the plugin’s stderr (a device-code login) while it runs, not after it ends', async () => {
    const p = plugin(
      `process.stderr.write('To sign in, open https://login.example/device and enter the code ABCD-1234\\n');\n` +
        `setTimeout(() => credential({ token: ${JSON.stringify(TOKEN)} }), 400);`,
    );
    const { r, notices } = runner(p.exec);
    const started = Date.now();
    const c = await r.credential(false);
    const done = Date.now();
    expect(c.token).toBe(TOKEN);
    const shown = notices.find((n) => n.text.includes('enter the code ABCD-1234'));
    expect(shown?.text).toBe('exec plugin node: To sign in, open https://login.example/device and enter the code ABCD-1234');
    // Shown before the plugin finished: a user must read the code while the plugin waits for it.
    expect((shown?.at ?? done) - started).toBeLessThan(done - started - 200);
  });

  it('shows a prompt the plugin leaves without a newline (it waits for the answer on that line), while it waits', async () => {
    const p = plugin(
      `import { existsSync } from 'node:fs';\nprocess.stderr.write('Enter the code shown in your browser: ');\n` +
        `const go = setInterval(() => { if (existsSync(${JSON.stringify('GO')})) { clearInterval(go); credential({ token: ${JSON.stringify(TOKEN)} }); } }, 20);`,
    );
    const goFile = join(p.dir, 'go');
    writeFileSync(join(p.dir, 'plugin.mjs'), readFileSync(join(p.dir, 'plugin.mjs'), 'utf8').replace('"GO"', JSON.stringify(goFile)));
    let seen: (text: string) => void = () => undefined;
    const said = new Promise<string>((resolve) => (seen = resolve));
    const { r } = runner(p.exec, { notice: (text) => seen(text), waitNoticeMs: 5000 });
    const credential = r.credential(false);
    try {
      // The first thing said is the prompt; it used to wait for a newline that never came, and the first thing said was "still waiting".
      expect(await said).toBe('exec plugin node: Enter the code shown in your browser:');
    } finally {
      writeFileSync(goFile, ''); // the plugin ends either way
    }
    expect((await credential).token).toBe(TOKEN);
  });

  it('gives the plugin end-of-file on stdin when there is no terminal (client-node’s open pipe hung it)', async () => {
    const p = plugin(
      `let input = '';\nprocess.stdin.on('data', (d) => (input += d));\n` +
        `process.stdin.on('end', () => credential({ token: ${JSON.stringify(TOKEN)} + input.length }));`,
    );
    const { r } = runner(p.exec, { timeoutMs: 5000 });
    expect((await r.credential(false)).token).toBe(`${TOKEN}0`);
  });

  it('tells the plugin whether it may ask, and the cluster when it asks for it (KUBERNETES_EXEC_INFO)', async () => {
    const p = plugin(`credential({ token: process.env.KUBERNETES_EXEC_INFO });`);
    const { r } = runner({ ...p.exec, provideClusterInfo: true, env: [{ name: 'EXTRA', value: '1' }] });
    const info = JSON.parse((await r.credential(false)).token ?? '') as { kind: string; apiVersion: string; spec: { interactive: boolean; cluster: Record<string, unknown> } };
    expect(info).toEqual({
      apiVersion: 'client.authentication.k8s.io/v1',
      kind: 'ExecCredential',
      spec: { interactive: false, cluster: { server: 'https://api.example:6443', 'certificate-authority-data': 'Q0E=' } },
    });
  });

  it('keeps a credential without expiry until the server refuses it, and one with expiry until it runs out', async () => {
    const p = plugin(`credential({ token: ${JSON.stringify(TOKEN)} });`);
    const { r } = runner(p.exec);
    await r.credential(false);
    await r.credential(false);
    expect(p.runs()).toBe(1);
    await r.credential(true); // a 401: run it again
    expect(p.runs()).toBe(2);

    const soon = plugin(`credential({ token: ${JSON.stringify(TOKEN)}, expirationTimestamp: new Date(Date.now() + 5000).toISOString() });`);
    const s = runner(soon.exec).r;
    await s.credential(false);
    await s.credential(false);
    expect(soon.runs()).toBe(2); // within the renewal margin: not used again
  });

  describe('two overlapping runs (a routine renewal and a refusal\'s fresh run)', () => {
    /**
     * A plugin whose run N prints token tok-N (with the expiry `expiries[N-1]` from now, in minutes, if
     * any) once the test creates the file go-N: the test decides in which order the runs finish.
     */
    function gatedPlugin(expiries: (number | null)[]) {
      const p = plugin(
        `import { existsSync, readFileSync } from 'node:fs';\n` +
          `const n = readFileSync(${JSON.stringify('RUNS')}, 'utf8').split('\\n').filter(Boolean).length;\n` +
          `const minutes = ${JSON.stringify(expiries)}[n - 1];\n` +
          `const status = { token: 'tok-' + n };\n` +
          `if (minutes !== null) status.expirationTimestamp = new Date(Date.now() + minutes * 60_000).toISOString();\n` +
          `const wait = setInterval(() => { if (existsSync(${JSON.stringify('GO')} + n)) { clearInterval(wait); credential(status); } }, 10);`,
      );
      const script = p.exec.args?.[0] as string;
      writeFileSync(script, readFileSync(script, 'utf8').replace('"RUNS"', JSON.stringify(join(p.dir, 'runs'))).replace('"GO"', JSON.stringify(join(p.dir, 'go-'))));
      return { ...p, finish: (n: number) => writeFileSync(join(p.dir, `go-${n}`), '') };
    }

    /** Starts run 1, then run 2 (a refusal's fresh run) once run 1 is running; finishes them in `order`; returns the credential kept. */
    async function overlap(expiries: (number | null)[], order: [number, number]): Promise<string | null> {
      const p = gatedPlugin(expiries);
      const { r } = runner(p.exec);
      const runs = [r.credential(false)];
      await vi.waitFor(() => expect(p.runs()).toBe(1), { timeout: 5_000, interval: 10 });
      runs.push(r.credential(true));
      await vi.waitFor(() => expect(p.runs()).toBe(2), { timeout: 5_000, interval: 10 });
      for (const n of order) {
        p.finish(n);
        expect((await runs[n - 1])?.token).toBe(`tok-${n}`);
      }
      const kept = await r.credential(false);
      expect(p.runs()).toBe(2); // kept: no third run
      return kept.token;
    }

    it('keeps the credential of the run that started last when the plugin gives no expiry, though the other finished last', async () => {
      expect(await overlap([null, null], [2, 1])).toBe('tok-2');
    });

    it('keeps the credential with the later expiry, though the other finished last', async () => {
      expect(await overlap([120, 60], [1, 2])).toBe('tok-1');
    });
  });

  it('stops a plugin that never answers when there is no terminal, after saying it waits (exit 3 upstream)', async () => {
    const p = plugin(`setInterval(() => undefined, 1000);`);
    const { r, notices } = runner(p.exec, { waitNoticeMs: 100, timeoutMs: 600 });
    await expect(r.credential(false)).rejects.toThrow(/exec plugin node gave no credential within 1s \(it had no terminal to ask for a login on/);
    expect(notices.map((n) => n.text)).toContainEqual(expect.stringMatching(/^still waiting for exec plugin node \(user "alice", context "prod"\) after 0s: it has no terminal to ask on/));
  });

  it('ends a running plugin when the run stops', async () => {
    const p = plugin(`setInterval(() => undefined, 1000);`);
    const { r, stop } = runner(p.exec, { timeoutMs: 60_000 });
    const pending = r.credential(false);
    setTimeout(() => stop.abort(), 200);
    await expect(pending).rejects.toThrow(/exec plugin node was stopped: the run is stopping/);
  });

  it('kills a stopped plugin that ignores SIGTERM, whose open pipes would keep the run from ending', async () => {
    const p = plugin(`import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify('PID')}, String(process.pid));\nprocess.on('SIGTERM', () => undefined);\nsetInterval(() => undefined, 1000);`);
    const pidFile = join(p.dir, 'pid');
    const script = p.exec.args?.[0] as string;
    writeFileSync(script, readFileSync(script, 'utf8').replace('"PID"', JSON.stringify(pidFile)));
    const { r } = runner(p.exec, { waitNoticeMs: 60_000, timeoutMs: 600, killAfterMs: 200 });
    await expect(r.credential(false)).rejects.toThrow(/gave no credential within 1s/);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    try {
      await vi.waitFor(() => expect(alive(pid)).toBe(false), { timeout: 5_000, interval: 50 });
    } finally {
      if (alive(pid)) process.kill(pid, 'SIGKILL'); // the old runner left it running
    }
  });

  it('names a missing plugin with the kubeconfig’s installHint, as kubectl does', async () => {
    const { r } = runner({ command: '/nonexistent/kubelogin', args: ['get-token'], installHint: 'kubelogin is not installed.\nInstall it: https://azure.github.io/kubelogin/\n' });
    await expect(r.credential(false)).rejects.toThrow('exec plugin /nonexistent/kubelogin of user "alice" was not found: kubelogin is not installed. / Install it: https://azure.github.io/kubelogin/');
  });

  it('quotes a failing plugin’s stderr, without any credential it already gave', async () => {
    const p = plugin(`process.stderr.write('login failed\\nerror: refresh token expired for ' + ${JSON.stringify(TOKEN)} + '\\n'); process.exit(1);`);
    const redactor = new Redactor();
    redactor.add(TOKEN);
    const { r } = runner(p.exec, { redactor });
    await expect(r.credential(false)).rejects.toThrow('exec plugin node of user "alice" failed (exit 1): login failed / error: refresh token expired for [redacted]');
  });

  it('does not run a failing plugin again before a wait that doubles with each failure in a row, giving its failure meanwhile; a success ends the waits', async () => {
    // Fails on its first four runs (an expired SSO session), then gives a token.
    const p = plugin(
      `import { readFileSync } from 'node:fs';\n` +
        `const n = readFileSync(process.env.RUNS_FILE, 'utf8').split('\\n').filter(Boolean).length;\n` +
        `if (n <= 4) { process.stderr.write('token refresh failed\\n'); process.exit(1); }\ncredential({ token: 'tok-' + n });`,
    );
    let clock = 1_000_000;
    const { r } = runner({ ...p.exec, env: [{ name: 'RUNS_FILE', value: join(p.dir, 'runs') }] }, { now: () => clock });
    const failure = /failed \(exit 1\): token refresh failed/;
    await expect(r.credential(false)).rejects.toThrow(failure);
    // Every stream's request and retry asks at once: they get the failure, not a run each.
    await Promise.all([r.credential(false), r.credential(true), r.credential(false)].map((c) => expect(c).rejects.toThrow(failure)));
    expect(p.runs()).toBe(1);
    clock += FAILED_RUN_WAIT_MS.first;
    await expect(r.credential(true)).rejects.toThrow(failure);
    expect(p.runs()).toBe(2);
    clock += FAILED_RUN_WAIT_MS.first; // the second wait is twice the first
    await expect(r.credential(false)).rejects.toThrow(failure);
    expect(p.runs()).toBe(2);
    clock += FAILED_RUN_WAIT_MS.first;
    await expect(r.credential(false)).rejects.toThrow(failure);
    expect(p.runs()).toBe(3);
    clock += 4 * FAILED_RUN_WAIT_MS.first;
    await expect(r.credential(false)).rejects.toThrow(failure);
    expect(p.runs()).toBe(4);
    clock += 8 * FAILED_RUN_WAIT_MS.first;
    await expect(r.credential(false)).resolves.toMatchObject({ token: 'tok-5' });
    // After a success, a refused credential runs the plugin at once.
    await expect(r.credential(true)).resolves.toMatchObject({ token: 'tok-6' });
    expect(p.runs()).toBe(6);
  });

  it('waits at most FAILED_RUN_WAIT_MS.most between runs of a plugin that keeps failing', async () => {
    const p = plugin(`process.stderr.write('no\\n'); process.exit(1);`);
    let clock = 0;
    const { r } = runner(p.exec, { now: () => clock });
    for (let i = 0; i < 8; i++) {
      await expect(r.credential(false)).rejects.toThrow('failed (exit 1)');
      clock += FAILED_RUN_WAIT_MS.most;
    }
    expect(p.runs()).toBe(8);
  });

  it('counts runs that overlapped and failed together as one failure: the first wait is still the first', async () => {
    const p = plugin(`process.stderr.write('no\\n'); process.exit(1);`);
    let clock = 0;
    const { r } = runner(p.exec, { now: () => clock });
    // A routine renewal and a refusal's fresh run, both under way before either failed.
    await Promise.all([r.credential(false), r.credential(true)].map((c) => expect(c).rejects.toThrow('failed (exit 1)')));
    expect(p.runs()).toBe(2);
    clock += FAILED_RUN_WAIT_MS.first;
    await expect(r.credential(false)).rejects.toThrow('failed (exit 1)');
    expect(p.runs()).toBe(3);
  });

  it('says a repeated plugin line once while it keeps failing, again after a success, and its own waiting notice every time', async () => {
    // Runs 1, 2 and 4 fail saying the same; run 3 gives a token; every run takes 300 ms (past the waiting notice).
    const p = plugin(
      `import { readFileSync } from 'node:fs';\n` +
        `const n = readFileSync(process.env.RUNS_FILE, 'utf8').split('\\n').filter(Boolean).length;\n` +
        `setTimeout(() => { if (n === 3) credential({ token: 'tok-3' }); else { process.stderr.write('session expired\\n'); process.exit(1); } }, 300);`,
    );
    let clock = 0;
    const { r, notices } = runner({ ...p.exec, env: [{ name: 'RUNS_FILE', value: join(p.dir, 'runs') }] }, { now: () => clock, waitNoticeMs: 50 });
    for (const fresh of [false, true, false, true]) {
      await r.credential(fresh).catch(() => undefined);
      clock += FAILED_RUN_WAIT_MS.most;
    }
    expect(p.runs()).toBe(4);
    const said = notices.map((n) => n.text);
    expect(said.filter((t) => t === 'exec plugin node: session expired')).toHaveLength(2); // runs 1 and 4
    expect(said.filter((t) => t.startsWith('still waiting for exec plugin node'))).toHaveLength(4);
  });

  it('never prints a token a failing plugin printed before any credential was known, in its error or its stderr shown; a login URL stays whole', async () => {
    const cached = 'SEKRITTOKEN-0123456789abcdef';
    const p = plugin(
      `process.stderr.write('open https://login.example/device?user_code=ABCD-1234&access_token=${cached} to log in\\n');\n` +
        `process.stderr.write('login failed; cached token ${cached} is expired\\n'); process.exit(1);`,
    );
    const { r, notices } = runner(p.exec); // a fresh Redactor: the run has learnt no credential yet
    const error = await r.credential(false).then(() => null, (e: Error) => e);
    expect(error?.message).toBe('exec plugin node of user "alice" failed (exit 1): open https://login.example/device?user_code=ABCD-1234&access_token=[redacted] to log in / login failed; cached token [redacted] is expired');
    expect(notices.map((n) => n.text)).toEqual([
      'exec plugin node: open https://login.example/device?user_code=ABCD-1234&access_token=[redacted] to log in',
      'exec plugin node: login failed; cached token [redacted] is expired',
    ]);
  });

  it('ends what a stopped plugin started too (a shell script’s sleep), not only the plugin', async () => {
    const dir = tempDir();
    const pidFile = join(dir, 'pid');
    const script = join(dir, 'plugin.sh');
    writeFileSync(script, `#!/bin/sh\nsleep 1000 &\necho $! > '${pidFile}'\nwait\n`, { mode: 0o755 });
    const { r } = runner({ command: script }, { waitNoticeMs: 60_000, timeoutMs: 600, killAfterMs: 200 });
    await expect(r.credential(false)).rejects.toThrow(/gave no credential within 1s/);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    try {
      await vi.waitFor(() => expect(alive(pid)).toBe(false), { timeout: 5_000, interval: 50 });
    } finally {
      if (alive(pid)) process.kill(pid, 'SIGKILL'); // the old runner left it running, orphaned
    }
  });

  it('refuses interactiveMode Always without a terminal, saying how to log in', async () => {
    const p = plugin(`credential({ token: ${JSON.stringify(TOKEN)} });`);
    const { r } = runner({ ...p.exec, interactiveMode: 'Always' });
    await expect(r.credential(false)).rejects.toThrow(/needs a terminal to ask for a login \(interactiveMode: Always\), but standard input is not one/);
    expect(p.runs()).toBe(0);
  });

  it.each([
    ['not JSON', 'Login succeeded', /its output is not JSON/],
    ['another kind', '{"kind":"Status","status":{"token":"x"}}', /no kind ExecCredential with a status/],
    ['no token or certificate', '{"kind":"ExecCredential","status":{"clientCertificateData":"c"}}', /neither a token nor a client certificate and key/],
    ['a bad expiry', '{"kind":"ExecCredential","status":{"token":"x","expirationTimestamp":"soon"}}', /expirationTimestamp that is not a time: soon/],
    // kubectl refuses it too ("plugin returned version ..."): its fields may not mean what the asked version's do.
    ['another version than the kubeconfig asked for', '{"apiVersion":"bogus/v9","kind":"ExecCredential","status":{"token":"x"}}', 'exec plugin p is configured for client.authentication.k8s.io/v1 (the kubeconfig\'s exec apiVersion), but printed an ExecCredential of bogus/v9'],
  ])('says what is wrong with output that is %s', (_case, stdout, message) => {
    expect(() => readCredential(stdout, 'p')).toThrow(message);
  });

  it('reads a credential of the version the kubeconfig asked for, or of none', () => {
    expect(readCredential('{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"x"}}', 'p', 'client.authentication.k8s.io/v1beta1').token).toBe('x');
    expect(readCredential('{"kind":"ExecCredential","status":{"token":"x"}}', 'p', 'client.authentication.k8s.io/v1beta1').token).toBe('x');
    expect(() => readCredential('{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"x"}}', 'p', 'client.authentication.k8s.io/v1beta1')).toThrow(/configured for client.authentication.k8s.io\/v1beta1/);
  });

  it('reads a client certificate credential with its expiry', () => {
    const c = readCredential('{"kind":"ExecCredential","status":{"clientCertificateData":"C","clientKeyData":"K","expirationTimestamp":"2030-01-01T00:00:00Z"}}', 'p');
    expect(c).toEqual({ token: null, cert: 'C', key: 'K', expiresAt: Date.parse('2030-01-01T00:00:00Z') });
  });
});

