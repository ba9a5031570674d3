import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadDashboard } from '../../src/ui/load.js';
import { FakeStdin, FakeStdout, flow, KEYS, plain, settle } from './helpers.js';

// As the commands load it: Ink outside its CI mode, though the tests run with CI set.
const { DashboardStore, startDashboard } = await loadDashboard();

function start(stdinIsTTY = true, mode: 'files' | 'live' = 'files') {
  const store = new DashboardStore({ failOn: ['direct'] });
  store.setHeader({ mode, description: '1 file', startedAt: Date.now() });
  store.addFlow(flow());
  const stdout = new FakeStdout(80, 24);
  const stdin = new FakeStdin(stdinIsTTY);
  const handle = startDashboard(store, { color: false, stdout: stdout.asStream(), stdin: stdin.asStream(), patchConsole: false });
  return { store, stdout, stdin, handle };
}

/** 'quit' if the dashboard ended, 'failed' if it ended with an error, 'running' if it is still up after Ink had time to react. */
async function outcome(handle: { waitUntilQuit(): Promise<void> }): Promise<'quit' | 'failed' | 'running'> {
  let state: 'quit' | 'failed' | 'running' = 'running';
  handle.waitUntilQuit().then(
    () => {
      state = 'quit';
    },
    () => {
      state = 'failed';
    },
  );
  await settle();
  await settle();
  return state;
}

describe('startDashboard', () => {
  it('draws the dashboard on the given stdout', async () => {
    const { stdout, handle } = start();
    await settle();
    expect(stdout.text()).toContain('egress-audit  REPLAY');
    expect(stdout.text()).toContain('▲ DIRECT 1');
    handle.unmount();
  });

  it.each([
    { name: 'q', key: 'q', result: 'quit' },
    { name: 'ctrl-c', key: KEYS.ctrlC, result: 'quit' },
    { name: 'a key that is not bound', key: 'x', result: 'running' },
  ])('ends on $name: $result', async ({ key, result }) => {
    const { stdin, handle } = start();
    await settle();
    stdin.type(key);
    expect(await outcome(handle)).toBe(result);
    handle.unmount();
  });

  it('leaves as its last frame the run as it ended after q, not as it was at the key (the result line below must agree with it)', async () => {
    const { store, stdout, stdin, handle } = start();
    await settle();
    stdin.type('q');
    await handle.waitUntilQuit(); // the person quit: the run now stops, decides what it still holds, and writes its reports
    store.addFlow(flow());
    store.addFlow(flow());
    store.setProgress({ lines: 3, records: 3, skipped: 0, bytes: 300, streams: 1, reconnects: 0, finished: true });
    store.setWarnings([{ code: 'stream-errors', message: 'The run was stopped on the dashboard (q, Ctrl-C or SIGTERM) before 1 input was read to the end' }]);
    handle.unmount();
    const frames = stdout.writes.map(plain).filter((w) => w.includes('egress-audit  REPLAY'));
    // Ink used to exit at the key: the frame left on the terminal said DIRECT 1 above a result line that counted 3.
    expect(frames.at(-1)).toContain('▲ DIRECT 3');
    expect(frames.at(-1)).toContain('stream-errors');
    expect(frames.at(-1)).toContain('■ stopped before the end'); // as it was at the key, though the run finished since
  });

  it('stop() (a signal) quits as q does, and keeps the terminal until unmount, so the last frame has what the run set after it', async () => {
    const { store, stdout, handle } = start();
    await settle();
    handle.stop();
    await handle.waitUntilQuit(); // the run now stops and computes its warnings: the terminal is still the dashboard's
    store.setWarnings([{ code: 'no-gateway-logs', message: 'No egress-gateway logs were read' }]);
    handle.unmount();
    const frames = stdout.writes.map(plain).filter((w) => w.includes('egress-audit  REPLAY'));
    // It used to unmount at the signal: the last frame said "reading", without the warnings the run computed at its end.
    expect(frames.at(-1)).toContain('▲ no-gateway-logs');
    expect(frames.at(-1)).toContain('■ stopped before the end');
  });

  it('unmount({failed}) (the run threw) leaves a last frame that says failed, and releases the terminal', async () => {
    const { stdout, handle } = start();
    await settle();
    handle.unmount({ failed: true });
    expect(await outcome(handle)).toBe('quit');
    const frames = stdout.writes.map(plain).filter((w) => w.includes('egress-audit  REPLAY'));
    expect(frames.at(-1)).toContain('■ failed (see below)');
    expect(frames.at(-1)).not.toContain('● reading');
  });

  it('still draws, without keys, when stdin is not a terminal (logs piped in)', async () => {
    const { stdout, stdin, handle } = start(false);
    expect(await outcome(handle)).toBe('running');
    stdin.type('q');
    expect(await outcome(handle)).toBe('running');
    expect(stdout.text()).toContain('▲ DIRECT 1');
    expect(stdout.text()).not.toContain('Raw mode is not supported');
    handle.unmount();
  });

  describe('offers no key that does not work', () => {
    /** Every hint the key bar and the header can offer. */
    const HINTS = /q quit|\? keys|esc back|tab panel|q to quit|p resumes/;
    const lastFrame = (stdout: FakeStdout): string => stdout.writes.map(plain).filter((w) => w.includes('egress-audit  REPLAY')).at(-1) ?? '';

    it('in the frame left on the terminal: no hint in the key bar (it kept them all), the header says finished without "q to quit"', async () => {
      const { store, stdout, handle } = start();
      await settle();
      expect(lastFrame(stdout)).toContain('q quit  ? keys'); // while the run goes, they work
      store.setProgress({ lines: 1, records: 1, skipped: 0, bytes: 100, streams: 1, reconnects: 0, finished: true });
      handle.unmount();
      const frame = lastFrame(stdout);
      expect(frame).toContain('■ finished');
      expect(frame).not.toMatch(HINTS);
      expect(frame.trimEnd().split('\n').at(-1)).not.toMatch(/keys/);
    });

    it('after q, while the run ends (keys are off): the key bar says so instead of its hints', async () => {
      const { stdout, stdin, handle } = start();
      await settle();
      stdin.type('q');
      await handle.waitUntilQuit();
      await new Promise((resolve) => setTimeout(resolve, 150)); // Ink's frame throttle (MAX_FPS)
      await settle();
      const frame = lastFrame(stdout);
      expect(frame).toContain('■ stopped before the end');
      expect(frame).toContain('keys off: the run is ending');
      expect(frame).not.toMatch(HINTS);
      handle.unmount();
    });

    it('after q in watch (live): the key bar says that a Ctrl-C now cuts its last reads short (a replay\'s says only that it ends)', async () => {
      const { stdout, stdin, handle } = start(true, 'live');
      await settle();
      stdin.type('q');
      await handle.waitUntilQuit();
      await new Promise((resolve) => setTimeout(resolve, 150)); // Ink's frame throttle (MAX_FPS)
      await settle();
      const frame = stdout.writes.map(plain).filter((w) => w.includes('egress-audit  LIVE')).at(-1) ?? '';
      expect(frame).toContain('■ stopped');
      expect(frame.trimEnd().split('\n').at(-1)?.trim()).toBe('keys off: the run is ending; Ctrl-C now cuts its last reads short');
      handle.unmount();
    });

    it('when no key can be read (stdin not a terminal): not while it runs, nor "q to quit" once finished', async () => {
      const { store, stdout, handle } = start(false);
      await settle();
      expect(lastFrame(stdout)).toContain('keys off: no terminal to read them from');
      expect(lastFrame(stdout)).not.toMatch(HINTS);
      store.setProgress({ lines: 1, records: 1, skipped: 0, bytes: 100, streams: 1, reconnects: 0, finished: true });
      await new Promise((resolve) => setTimeout(resolve, 150)); // the store's next notification
      await settle();
      expect(lastFrame(stdout)).toContain('■ finished');
      expect(lastFrame(stdout)).not.toMatch(HINTS);
      handle.unmount();
    });
  });

  it('ends when the caller unmounts it, and unmount can be repeated', async () => {
    const { handle } = start();
    await settle();
    handle.unmount();
    handle.unmount();
    expect(await outcome(handle)).toBe('quit');
  });

  it('loads Ink outside its CI mode and React in its production build, and gives the CI variables back to the rest of the process', () => {
    // As the commands load it (the bundle too): through load.ts, with CI set as in a CI job's debug shell.
    const load = fileURLToPath(new URL('../../dist/src/ui/load.js', import.meta.url));
    const probe = `const { loadDashboard } = await import(${JSON.stringify(load)}); const ui = await loadDashboard();` +
      ` const { default: inkSawCi } = await import('is-in-ci'); const { createRequire } = await import('node:module');` +
      ` const react = Object.entries(createRequire(import.meta.url).cache).filter(([k, m]) => m?.loaded === true && /react[.](development|production)/.test(k)).map(([k]) => k).map((k) => k.replace(/.*[/]/, ''));` +
      ` console.log(JSON.stringify({ inkSawCi, react, ci: process.env.CI, ci2: process.env.CONTINUOUS_INTEGRATION, ui: typeof ui.startDashboard }));`;
    const env: NodeJS.ProcessEnv = { ...process.env, CI: 'true', CONTINUOUS_INTEGRATION: '1' };
    delete env['NODE_ENV'];
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', probe], { cwd: fileURLToPath(new URL('../..', import.meta.url)), env, encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ inkSawCi: false, react: ['react.production.js'], ci: 'true', ci2: '1', ui: 'function' });
  });
});
