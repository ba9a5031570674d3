import { render } from 'ink-testing-library';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ReportBuilder } from '../../src/report/aggregate.js';
import { resultStatement } from '../../src/report/statements.js';
import { Dashboard } from '../../src/ui/Dashboard.js';
import { DashboardStore } from '../../src/ui/store.js';
import type { Flow } from '../../src/types.js';
import { coverage, INPUT } from '../report/helpers.js';
import { flow, plain, resize, settle } from './helpers.js';

/**
 * The header's failing count: what decides the exit code, shown while the run goes, in the words of the result line
 * printed below the last frame. The flows come as the policy stage decides them (failing, allowedBy), as in a run.
 */

const START = Date.parse('2024-05-01T10:00:00.000Z');
const EXCEPTION = { id: 'pypi-for-etl', reason: 'approved in SEC-212', expires: null };

beforeEach(() => {
  vi.useFakeTimers({ now: START, toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
});

afterEach(() => {
  vi.useRealTimers();
});

/** A direct flow to `host`:443 (failing unless overridden). */
const directTo = (host: string, overrides: Parameters<typeof flow>[0] = {}): Flow => flow({ destination: { key: `${host}:443`, host, port: 443 }, ...overrides });
/** A blocked flow to `host`:443, failing as the policy stage marks it (only when --fail-on names blocked). */
const blockedTo = (host: string, failing: boolean): Flow =>
  flow({ verdict: 'blocked', rule: 'blocked/blackhole-cluster', failing, destination: { key: `${host}:443`, host, port: 443 } });

async function mount(store: DashboardStore, color = false) {
  const r = render(<Dashboard store={store} color={color} />);
  resize(r.stdout, 120, 30);
  await settle();
  /** The frame after the store's next notification. */
  const frame = async (): Promise<string> => {
    await vi.advanceTimersByTimeAsync(200);
    await settle();
    return r.lastFrame() ?? '';
  };
  /** The state row's failing part, up to the next two spaces. */
  const failing = async (): Promise<string> => /failing: .*?(?= {2}|$)/m.exec(plain(await frame()))?.[0] ?? '(no failing count)';
  return { ...r, frame, failing };
}

function started(failOn: string[], builder?: ReportBuilder): DashboardStore {
  const store = new DashboardStore({ failOn, ...(builder ? { builder } : {}) });
  store.setHeader({ mode: 'live', description: 'context kind-dev, namespaces shop', startedAt: START });
  return store;
}

describe('the failing count in the header', () => {
  it('says none before anything fails, then counts the failing findings as they arrive, by verdict', async () => {
    const store = started(['direct']);
    const ui = await mount(store);
    expect(await ui.failing()).toBe('failing: none');
    store.addFlow(directTo('registry.npmjs.org'));
    expect(await ui.failing()).toBe('failing: 1 (direct 1)');
    store.addFlow(directTo('telemetry.vendor.io'));
    expect(await ui.failing()).toBe('failing: 2 (direct 2)');
    // Another flow of a finding already counted: findings are counted, as the result line counts them, not flows.
    store.addFlow(directTo('telemetry.vendor.io'));
    expect(await ui.failing()).toBe('failing: 2 (direct 2)');
    // On the state row, which every terminal height keeps.
    expect(plain(await ui.frame()).split('\n')[0]).toBe('egress-audit  LIVE 0s  ● following  failing: 2 (direct 2)  context kind-dev, namespaces shop');
    ui.unmount();
  });

  it('does not count what the policy allowed, nor a verdict --fail-on does not name', async () => {
    const store = started(['direct']);
    const ui = await mount(store);
    store.addFlow(directTo('pypi.org', { failing: false, allowedBy: EXCEPTION }));
    store.addFlow(blockedTo('evil.example.net', false));
    expect(await ui.failing()).toBe('failing: none');
    store.addFlow(directTo('registry.npmjs.org'));
    expect(await ui.failing()).toBe('failing: 1 (direct 1)');
    ui.unmount();
  });

  it('honours --fail-on direct,blocked: the blocked findings count too, in the result line\'s verdict order', async () => {
    const store = started(['direct', 'blocked']);
    const ui = await mount(store);
    store.addFlow(blockedTo('evil.example.net', true));
    expect(await ui.failing()).toBe('failing: 1 (blocked 1)');
    store.addFlow(directTo('registry.npmjs.org'));
    store.addFlow(blockedTo('miner.example.org', true));
    expect(await ui.failing()).toBe('failing: 3 (direct 1, blocked 2)');
    ui.unmount();
  });

  it('says a coverage warning --fail-on names, which fails the run too (exit 1)', async () => {
    const store = started(['direct', 'mixed-roles']);
    const ui = await mount(store);
    store.setWarnings([{ code: 'mixed-roles', message: 'an input read like both roles' }, { code: 'no-gateway-logs', message: 'no gateway logs were read' }]);
    store.setProgress({ lines: 1, records: 1, skipped: 0, bytes: 10, streams: 1, reconnects: 0, finished: true });
    expect(await ui.failing()).toBe('failing: warning mixed-roles');
    ui.unmount();
  });

  it('says what the result line below the last frame says, for the same run (the report the run writes from the same builder)', async () => {
    const failOn = ['direct', 'blocked'];
    const builder = new ReportBuilder({ failOn });
    const store = started(failOn, builder);
    const ui = await mount(store);
    store.addFlow(directTo('registry.npmjs.org'));
    store.addFlow(directTo('registry.npmjs.org'));
    store.addFlow(directTo('pypi.org', { failing: false, allowedBy: EXCEPTION }));
    store.addFlow(directTo('telemetry.vendor.io', { source: { workload: 'etl-worker', namespace: 'data' } }));
    store.addFlow(blockedTo('evil.example.net', true));
    store.addFlow(flow({ verdict: 'via-gateway', failing: false, destination: { key: 'api.github.com:443', host: 'api.github.com', port: 443 } }));
    store.setProgress({ lines: 6, records: 6, skipped: 0, bytes: 600, streams: 1, reconnects: 0, finished: true });
    const shown = await ui.failing();
    const result = resultStatement(builder.build(INPUT, coverage(), '0.1.0')).text;
    expect(result).toBe('FAIL: 3 failing findings (direct 2, blocked 1) (exit 1).');
    const [, count, verdicts] = /^FAIL: (\d+) failing findings \(([^)]*)\)/.exec(result) ?? [];
    expect(shown).toBe(`failing: ${count} (${verdicts})`);
    ui.unmount();
  });

  it('says what a --fail-on that replaced the default lets pass, as the result line does, and keeps it before the description', async () => {
    const failOn = ['blocked'];
    const builder = new ReportBuilder({ failOn });
    const store = started(failOn, builder);
    const ui = await mount(store);
    store.addFlow(directTo('registry.npmjs.org', { failing: false }));
    expect(await ui.failing()).toBe('failing: none; 1 direct not failing');
    store.addFlow(directTo('telemetry.vendor.io', { failing: false }));
    store.addFlow(blockedTo('evil.example.net', true));
    store.setWarnings([{ code: 'mixed-roles', message: 'an input read like both roles' }]);
    store.setProgress({ lines: 3, records: 3, skipped: 0, bytes: 300, streams: 1, reconnects: 0, finished: true });
    expect(await ui.failing()).toBe('failing: 1 (blocked 1); 2 direct, mixed-roles not failing');
    const result = resultStatement(builder.build(INPUT, coverage({ warnings: [{ code: 'mixed-roles', message: 'an input read like both roles' }] }), '0.1.0')).text;
    expect(result).toContain('2 direct findings and the coverage warning mixed-roles do not fail this run');
    // A narrow terminal cuts the input description, then the rest of the state row, never the failing count first.
    const row = 'egress-audit  LIVE 0s  ■ finished, q to quit  failing: 1 (blocked 1); 2 direct, mixed-roles not failing';
    resize(ui.stdout, row.length + 10, 30);
    expect(plain(await ui.frame()).split('\n')[0]).toBe(`${row}  context…`);
    resize(ui.stdout, row.length - 6, 30);
    expect(plain(await ui.frame()).split('\n')[0]).toBe(`${row.slice(0, -7)}…`);
    ui.unmount();
  });

  it('leaves out of what a replacing --fail-on lets pass the findings the baseline holds, as the result line does', async () => {
    const failOn = ['blocked'];
    const held = new Set<string>(); // the policy stage's set, filled as flows are decided
    const builder = new ReportBuilder({ failOn, baseline: held });
    const store = started(failOn, builder);
    const ui = await mount(store);
    store.addFlow(directTo('registry.npmjs.org', { failing: false }));
    store.addFlow(directTo('telemetry.vendor.io', { failing: false }));
    const known = builder.findings().find((f) => f.destination === 'registry.npmjs.org:443');
    held.add(known?.fingerprint ?? '(no finding)');
    store.addFlow(blockedTo('evil.example.net', true));
    expect(await ui.failing()).toBe('failing: 1 (blocked 1); 1 direct not failing');
    const result = resultStatement(builder.build(INPUT, coverage(), '0.1.0')).text;
    expect(result).toContain('; 1 direct finding does not fail this run');
    ui.unmount();
  });

  it('is red while something fails and green when nothing does, only with colour on', async () => {
    const store = started(['direct']);
    const ui = await mount(store, true);
    /** The SGR codes written just before the failing count. */
    const styleOf = (frame: string): string => /((?:\u001b\[[0-9;]*m)*) {2}failing:/.exec(frame)?.[1] ?? '(not found)';
    expect(styleOf(await ui.frame())).toMatch(/\[32m$/); // green
    store.addFlow(directTo('registry.npmjs.org'));
    expect(styleOf(await ui.frame())).toMatch(/\[(1;)?31m$/); // red
    ui.unmount();
    const colourless = await mount(started(['direct']), false);
    expect(await colourless.frame()).not.toContain('\u001b');
    colourless.unmount();
  });
});
