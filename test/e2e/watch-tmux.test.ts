import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeApiServer } from '../fake-apiserver/index.js';
import { BIN } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();

/**
 * `egress-audit watch` in a real terminal (tmux) against the fake API server: what the run says while
 * the dashboard holds the terminal must reach the screen then, not when the person quits. Skipped (and
 * says so) only where tmux is missing.
 */
const HAVE_TMUX = spawnSync('tmux', ['-V']).status === 0;
const SOCKET = `egress-audit-watch-test-${process.pid}`;

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
}

/** Polls the screen until `predicate` holds (the dashboard repaints at most ~10 times a second). */
async function waitFor(predicate: (text: string) => boolean, what: string): Promise<string> {
  for (let i = 0; i < 150; i++) {
    const text = tmux('capture-pane', '-p', '-t', 'watch');
    if (predicate(text)) return text;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the screen never showed ${what}:\n${tmux('capture-pane', '-p', '-t', 'watch')}`);
}

afterAll(() => {
  if (HAVE_TMUX) spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
});

describe.skipIf(!HAVE_TMUX)(`watch's dashboard in a real terminal (tmux)${HAVE_TMUX ? '' : ': SKIPPED because tmux is not installed'}`, () => {
  it('shows a pod whose log is forbidden while it runs (held until q, the person watched a dashboard that looked whole)', async () => {
    const api = await startFakeApiServer();
    try {
      const dir = tempDir('ea-watch-tmux-');
      const kubeconfig = api.writeKubeconfig(dir, { namespace: 'shop' });
      api.addPod({ namespace: 'istio-system', name: 'egressgateway-1', labels: { istio: 'egressgateway' }, ip: '10.108.0.55', containers: ['istio-proxy'] });
      api.setForbidden({ resource: 'pods/log', namespace: 'shop', name: 'secret-1' });
      api.addPod({ namespace: 'shop', name: 'secret-1', ip: '10.108.0.58', containers: ['app', 'istio-proxy'] });
      const exitFile = join(dir, 'exit');
      const command = `CI=true NO_COLOR=1 KUBECONFIG=${kubeconfig} ${process.execPath} ${BIN} watch -n shop 2>${join(dir, 'stderr')}; echo $? > ${exitFile}; sleep 30`;
      tmux('new-session', '-d', '-s', 'watch', '-x', '100', '-y', '30', command);

      const screen = await waitFor((t) => t.includes('secret-1'), 'the forbidden log');
      expect(screen).toContain('● following');
      expect(screen).toMatch(/▲ notice (×\d+ )? cannot get the istio-proxy log of pod shop\/secret-1: the ClusterRole needs pods\/log: get/);
      expect(screen).not.toContain(api.token);

      tmux('send-keys', '-t', 'watch', 'q');
      for (let i = 0; i < 100 && !existsSync(exitFile); i++) await new Promise((r) => setTimeout(r, 100));
      expect(readFileSync(exitFile, 'utf8').trim()).toBe('3'); // a log that could not be read
      // Once the terminal is released, stderr has it too, where it stays in the scrollback.
      const stderr = readFileSync(join(dir, 'stderr'), 'utf8');
      expect(stderr).toContain('cannot get the istio-proxy log of pod shop/secret-1');
      // ... and its last line is the run's result, as the exit code decides it; no escape in the file (Ink's cursor
      // restore at exit went to stderr, whatever it was, and ended the file: it goes to the terminal now).
      expect(stderr).not.toContain('\u001b');
      expect(stderr.trimEnd().split('\n').at(-1)).toMatch(/^egress-audit: INCOMPLETE: .*\(exit 3\)\.$/);
    } finally {
      await api.close();
    }
  });
  it('says how long it watched, as its report does, not counting the time the finished dashboard waited for q', async () => {
    const api = await startFakeApiServer();
    try {
      const dir = tempDir('ea-watch-tmux-');
      const kubeconfig = api.writeKubeconfig(dir, { namespace: 'shop' });
      api.addPod({ namespace: 'istio-system', name: 'egressgateway-1', labels: { istio: 'egressgateway' }, ip: '10.108.0.55', containers: ['istio-proxy'] });
      const exitFile = join(dir, 'exit');
      const report = join(dir, 'report.json');
      const command = `CI=true NO_COLOR=1 KUBECONFIG=${kubeconfig} ${process.execPath} ${BIN} watch -n shop --duration 1s --report json=${report} 2>${join(dir, 'stderr')}; echo $? > ${exitFile}; sleep 30`;
      tmux('new-session', '-d', '-s', 'watchspan', '-x', '100', '-y', '30', command);
      for (let i = 0; i < 150 && !tmux('capture-pane', '-p', '-t', 'watchspan').includes('finished'); i++) await new Promise((r) => setTimeout(r, 100));
      expect(tmux('capture-pane', '-p', '-t', 'watchspan')).toContain('finished');
      await new Promise((r) => setTimeout(r, 2_500)); // the person reads the last frame before pressing q
      tmux('send-keys', '-t', 'watchspan', 'q');
      for (let i = 0; i < 100 && !existsSync(exitFile); i++) await new Promise((r) => setTimeout(r, 100));
      const { input } = JSON.parse(readFileSync(report, 'utf8')) as { input: { startedAt: string; endedAt: string } };
      const reported = Math.round((Date.parse(input.endedAt) - Date.parse(input.startedAt)) / 1000);
      expect(readFileSync(join(dir, 'stderr'), 'utf8')).toMatch(new RegExp(`watched \\d+ containers? for ${reported}s `));
    } finally {
      await api.close();
    }
  });

  it('a run that fails once the dashboard is drawn (its report cannot be written) lets go of the terminal at once, saying failed', async () => {
    expect(existsSync('/dev/full')).toBe(true); // every write to it fails
    const api = await startFakeApiServer();
    try {
      const dir = tempDir('ea-watch-tmux-fail-');
      const kubeconfig = api.writeKubeconfig(dir, { namespace: 'shop' });
      api.addPod({ namespace: 'shop', name: 'app-1', ip: '10.108.0.60', containers: ['app', 'istio-proxy'] });
      const exitFile = join(dir, 'exit');
      const command = `CI=true NO_COLOR=1 KUBECONFIG=${kubeconfig} ${process.execPath} ${BIN} watch -n shop --duration 2s --report json=/dev/full; echo $? > ${exitFile}; sleep 30`;
      tmux('new-session', '-d', '-s', 'watchfail', '-x', '100', '-y', '30', command);
      for (let i = 0; i < 150 && !existsSync(exitFile); i++) await new Promise((r) => setTimeout(r, 100)); // no key pressed
      expect(readFileSync(exitFile, 'utf8').trim()).toBe('3');
      const last = tmux('capture-pane', '-p', '-S', '-40', '-t', 'watchfail');
      expect(last).toContain('■ failed (see below)'); // it used to stay drawn, "following", until a q
      expect(last).toMatch(/egress-audit: cannot write report \/dev\/full: .*\n(?![\s\S]*q quit)/);
    } finally {
      await api.close();
    }
  });
});
