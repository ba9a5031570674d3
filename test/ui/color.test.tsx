import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { Dashboard } from '../../src/ui/Dashboard.js';
import { DashboardStore } from '../../src/ui/store.js';
import { startDashboard } from '../../src/ui/start.js';
import { FakeStdin, FakeStdout, flow, hasEscape, KEYS, settle } from './helpers.js';

const SGR = /\u001b\[[0-9;]*m/;

function store() {
  const s = new DashboardStore({ failOn: ['direct'] });
  s.addFlow(flow());
  s.addFlow(flow({ verdict: 'blocked', failing: false }));
  s.setWarnings([{ code: 'no-gateway-logs', message: 'no gateway logs were read' }]);
  return s;
}

async function frame(color: boolean, keys: string[] = []): Promise<string> {
  const ui = render(<Dashboard store={store()} color={color} />);
  await settle();
  for (const key of keys) {
    ui.stdin.write(key);
    await settle();
  }
  const out = ui.lastFrame() ?? '';
  ui.unmount();
  return out;
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('colour', () => {
  it('colours the dashboard when colour is on (the control for the cases below)', async () => {
    expect(await frame(true)).toMatch(SGR);
  });

  it.each([
    { name: 'the lists', keys: [] as string[] },
    { name: 'the detail view', keys: [KEYS.enter] },
    { name: 'the help', keys: ['?'] },
    { name: 'the filter prompt', keys: ['/', 'x'] },
  ])('writes no escape code at all in $name with colour off', async ({ keys }) => {
    const out = await frame(false, keys);
    expect(out.length).toBeGreaterThan(0);
    expect(hasEscape(out)).toBe(false);
  });

  it.each([
    { name: 'NO_COLOR is set', env: '1', color: true, coloured: false },
    { name: '--no-color is given', env: undefined, color: false, coloured: false },
    { name: 'TERM=dumb (a terminal that has no colours: Emacs shell, some CI log viewers)', env: undefined, term: 'dumb', color: true, coloured: false },
    { name: 'neither', env: undefined, color: true, coloured: true },
  ])('startDashboard styles output only when it should: $name', async ({ env, term, color, coloured }) => {
    if (env !== undefined) vi.stubEnv('NO_COLOR', env);
    else vi.stubEnv('NO_COLOR', undefined);
    vi.stubEnv('TERM', term ?? 'xterm-256color');
    const stdout = new FakeStdout(100, 30);
    const stdin = new FakeStdin();
    const handle = startDashboard(store(), { color, stdout: stdout.asStream(), stdin: stdin.asStream(), patchConsole: false });
    await settle();
    stdin.type(KEYS.ctrlC);
    await handle.waitUntilQuit();
    handle.unmount(); // as the run does once it has finished: the last frame is drawn then (and, with CI set, the only one)
    expect(stdout.text()).toContain('DIRECT');
    expect(SGR.test(stdout.text())).toBe(coloured);
  });
});
