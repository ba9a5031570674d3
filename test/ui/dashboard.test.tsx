import { readFileSync } from 'node:fs';
import { render } from 'ink-testing-library';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Dashboard } from '../../src/ui/Dashboard.js';
import { KEY_HELP } from '../../src/ui/HelpOverlay.js';
import { DashboardStore } from '../../src/ui/store.js';
import { flow, KEYS, plain, resize, settle, widestLine } from './helpers.js';

const START = Date.parse('2024-05-01T10:00:00.000Z');

beforeEach(() => {
  vi.useFakeTimers({ now: START, toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
});

afterEach(() => {
  vi.useRealTimers();
});

/** A store with one direct destination, one clean one, and a coverage warning. */
function populated(maxEvidence?: number): DashboardStore {
  const store = new DashboardStore({ failOn: ['direct'], ...(maxEvidence === undefined ? {} : { maxEvidence }) });
  store.setHeader({ mode: 'live', description: 'context kind-dev, namespaces shop', startedAt: START - 90_000 });
  store.setProgress({ lines: 5000, records: 4900, skipped: 100, bytes: 1_000_000, streams: 4, reconnects: 1, finished: false });
  store.addFlow(flow({ verdict: 'via-gateway', failing: false, destination: { key: 'api.github.com:443', host: 'api.github.com' }, source: { workload: 'ci-runner', namespace: 'build' } }));
  store.addFlow(flow({ destination: { key: 'api.stripe.com:443', host: 'api.stripe.com' } }));
  store.addFlow(flow({ verdict: 'blocked', rule: 'blocked/blackhole-cluster', failing: false, destination: { key: 'evil.example.net:443', host: 'evil.example.net' }, source: { workload: 'crawler' } }));
  store.setWarnings([{ code: 'no-gateway-logs', message: 'no egress gateway logs were read' }]);
  return store;
}

async function mount(store: DashboardStore, columns = 100, rows = 30) {
  const r = render(<Dashboard store={store} color={false} />);
  resize(r.stdout, columns, rows);
  await settle();
  const press = async (...keys: string[]) => {
    for (const key of keys) {
      r.stdin.write(key);
      await settle();
    }
  };
  const frame = (): string => plain(r.lastFrame() ?? '');
  const row = (text: string): string => frame().split('\n').find((l) => l.includes(text)) ?? '';
  return { ...r, press, frame, row };
}

describe('Dashboard', () => {
  it('shows the header, the counters, the destinations with direct first, the findings and the coverage', async () => {
    const ui = await mount(populated());
    const frame = ui.frame();
    expect(frame).toContain('egress-audit  LIVE 1m30s  ● following  failing: 1 (direct 1)  context kind-dev, namespaces shop');
    expect(frame).toContain('▲ DIRECT 1');
    expect(frame).toContain('▲ no-gateway-logs  no egress gateway logs were read');
    const table = frame.split('\n').filter((l) => /^[ ›][ !](api|evil)\./.test(l));
    expect(table.map((l) => l.slice(2, 20).trim())).toEqual(['api.stripe.com:443', 'api.github.com:443', 'evil.example.net:4']);
    expect(ui.row('→ evil.example.net:443')).toMatch(/blocked +shop\/crawler +→ evil\.example\.net:443 +blocked\/blackhole-cluster/);
    ui.unmount();
  });

  it('moves focus with tab and selection with j/k and the arrows', async () => {
    const ui = await mount(populated());
    expect(ui.row('api.stripe.com:443').startsWith('›!')).toBe(true);
    await ui.press('j');
    expect(ui.row('api.github.com:443').startsWith('›')).toBe(true);
    await ui.press(KEYS.down, KEYS.up, KEYS.up);
    expect(ui.row('api.stripe.com:443').startsWith('›!')).toBe(true);
    await ui.press(KEYS.tab);
    expect(ui.frame()).toContain('» Findings');
    expect(ui.frame()).toContain('  Destinations');
    expect(ui.row('→ evil.example.net').startsWith('›')).toBe(true);
    await ui.press('j');
    expect(ui.row('→ api.stripe.com').startsWith('›')).toBe(true);
    ui.unmount();
  });

  it('opens the selected flow with enter, with raw and decoded lines and spelled-out flags, and goes back with esc', async () => {
    const ui = await mount(populated(), 120, 60);
    await ui.press(KEYS.enter);
    const detail = ui.frame();
    expect(detail).toContain('» Flow detail');
    expect(detail).toMatch(/DIRECT +rule direct\/service-entry-host/);
    expect(detail).toMatch(/raw +\[2022-02-19T09:31:17\.146Z\] "- - -" 0 UF,URX/);
    expect(detail).toMatch(/response_flags +UF,URX/);
    expect(detail).toContain('UF  upstream connection failure (503)');
    expect(detail).toMatch(/fix +Route my\.server\.com through the egress gateway/);
    await ui.press(KEYS.escape);
    expect(ui.frame()).not.toContain('Flow detail');
    expect(ui.frame()).toContain('» Destinations');
    ui.unmount();
  });

  it('scrolls the detail with j/k', async () => {
    const ui = await mount(populated(), 80, 24);
    await ui.press(KEYS.enter);
    expect(ui.frame()).toMatch(/rows 1-\d+ of/);
    await ui.press('j', 'j');
    expect(ui.frame()).toMatch(/rows 3-\d+ of/);
    await ui.press('k');
    expect(ui.frame()).toMatch(/rows 2-\d+ of/);
    ui.unmount();
  });

  it('filters both panels by text typed after /, keeps it on enter and clears it on esc', async () => {
    const ui = await mount(populated());
    await ui.press('/', 's', 't', 'r', 'i', 'p', 'e');
    expect(ui.frame()).toContain('/ stripe▏');
    await ui.press(KEYS.enter);
    const filtered = ui.frame();
    expect(filtered).toContain('1 of 3 external');
    expect(filtered).toContain('filter: stripe');
    expect(filtered).not.toContain('api.github.com');
    expect(filtered).not.toContain('evil.example.net');
    await ui.press('/', 'c', 'r', 'a', 'w', 'l', KEYS.backspace, KEYS.escape);
    expect(ui.frame()).toContain('api.github.com');
    expect(ui.frame()).not.toContain('filter:');
    ui.unmount();
  });

  it('keeps an Escape that arrives together with the next key (tmux escape-time, fast typing)', async () => {
    const ui = await mount(populated());
    await ui.press(KEYS.enter);
    expect(ui.frame()).toContain('» Flow detail');
    // Escape then j in one read: the detail closes and the selection moves down.
    await ui.press(`${KEYS.escape}j`);
    expect(ui.frame()).not.toContain('» Flow detail');
    expect(ui.row('api.github.com:443').startsWith('›')).toBe(true);
    // Escape then /: the help closes and the filter opens.
    await ui.press('?');
    expect(ui.frame()).toContain('» Keys');
    await ui.press(`${KEYS.escape}/`);
    expect(ui.frame()).not.toContain('» Keys');
    expect(ui.frame()).toContain('/ ▏');
    await ui.press('s', 't', 'r', KEYS.enter);
    expect(ui.frame()).toContain('filter: str');
    await ui.press(`${KEYS.escape}${KEYS.escape}`);
    expect(ui.frame()).not.toContain('filter: str');
    ui.unmount();
  });

  it('changes the destination sort with s', async () => {
    const store = populated();
    for (let i = 0; i < 5; i++) store.addFlow(flow({ verdict: 'via-gateway', failing: false, destination: { key: 'api.github.com:443', host: 'api.github.com' } }));
    const ui = await mount(store);
    const order = (): string[] => ui.frame().split('\n').filter((l) => /^[ ›][ !](api|evil)\./.test(l)).map((l) => l.slice(2, 16));
    expect(order()[0]).toBe('api.stripe.com');
    await ui.press('s');
    expect(ui.frame()).toContain('sort: most flows (s)');
    expect(order()[0]).toBe('api.github.com');
    await ui.press('s', 's', 's');
    expect(ui.frame()).toContain('sort: name (s)');
    expect(order()).toEqual(['api.github.com', 'api.stripe.com', 'evil.example.n']);
    ui.unmount();
  });

  it('keeps counting while paused but freezes the view until resumed', async () => {
    const store = populated();
    const ui = await mount(store);
    store.addFlow(flow());
    await vi.advanceTimersByTimeAsync(100);
    await settle();
    expect(ui.frame()).toContain('▲ DIRECT 2');
    await ui.press('p');
    expect(ui.frame()).toContain('PAUSED (p resumes)');
    for (let i = 0; i < 5; i++) store.addFlow(flow());
    await vi.advanceTimersByTimeAsync(1_000);
    await settle();
    expect(ui.frame()).toContain('▲ DIRECT 2');
    expect(store.snapshot().verdicts.direct).toBe(7);
    await ui.press('p');
    expect(ui.frame()).toContain('▲ DIRECT 7');
    expect(ui.frame()).not.toContain('PAUSED');
    ui.unmount();
  });

  it('shows the keys on ? and hides them again', async () => {
    const ui = await mount(populated());
    await ui.press('?');
    expect(ui.frame()).toContain('» Keys');
    expect(ui.frame()).toContain('pause the display (data keeps being counted)');
    await ui.press('?');
    expect(ui.frame()).not.toContain('» Keys');
    ui.unmount();
  });

  it.each([
    { columns: 40, rows: 10 },
    { columns: 80, rows: 24 },
  ])('shows every key and all it does in a $columns x $rows terminal, scrolling the help with j/k', async ({ columns, rows }) => {
    // The help used to be cut to the rows and columns there were: at 40x10 three of its nine keys, each cut
    // mid-sentence ("quit; the reports are wri…"), and at 80x24 the sort orders after "last s…"; no key scrolled it.
    const ui = await mount(populated(), columns, rows);
    await ui.press('?');
    let seen = '';
    for (let i = 0; i < 40; i++) {
      seen += `${ui.frame()}\n`;
      await ui.press('j');
    }
    const text = seen.replace(/\s+/g, ' ');
    for (const [keys, what] of KEY_HELP) expect(text).toContain(`${keys} ${what}`.replace(/\s+/g, ' '));
    expect(widestLine(ui.frame())).toBeLessThanOrEqual(columns);
    await ui.press('g');
    expect(ui.frame()).toContain('q, ctrl-c');
    // Closed and opened again, it starts at the top.
    await ui.press('G', '?', '?');
    expect(ui.frame()).toContain('q, ctrl-c');
    ui.unmount();
  });

  it('says so when enter finds no flow kept for the selected destination, until the next key', async () => {
    // Past the store's bound on kept flows (1000 destinations) enter did nothing at all: in a run of 10,000
    // destinations the top rows, seen first, opened nothing and nothing said why.
    const ui = await mount(populated(1)); // only the last destination's flow (evil.example.net) is kept
    expect(ui.row('api.stripe.com:443').startsWith('›')).toBe(true);
    await ui.press(KEYS.enter);
    expect(ui.frame()).not.toContain('» Flow detail');
    expect(ui.frame()).toContain('no log lines kept for api.stripe.com:443');
    await ui.press('j');
    expect(ui.frame()).not.toContain('no log lines kept');
    expect(ui.frame()).toContain('q quit');
    await ui.press('j', KEYS.enter);
    expect(ui.frame()).toContain('» Flow detail');
    ui.unmount();
  });

  it('says finished at the end of a replay and stays open', async () => {
    const store = populated();
    store.setHeader({ mode: 'files', description: '2 files', startedAt: START - 3_000 });
    store.setProgress({ lines: 10, records: 10, skipped: 0, bytes: 100, streams: 2, reconnects: 0, finished: true });
    const ui = await mount(store);
    await vi.advanceTimersByTimeAsync(5_000);
    await settle();
    expect(ui.frame()).toContain('egress-audit  REPLAY 3s  ■ finished, q to quit  failing: 1 (direct 1)  2 files');
    ui.unmount();
  });

  it.each([
    { mode: 'files' as const, finished: false, state: '■ stopped before the end' },
    { mode: 'live' as const, finished: false, state: '■ stopped' },
    { mode: 'files' as const, finished: true, state: '■ finished ' },
  ])('leaves a last frame that says how it ended when q is pressed ($mode, finished: $finished)', async ({ mode, finished, state }) => {
    const store = populated();
    store.setHeader({ mode, description: '2 files', startedAt: START - 3_000 });
    store.setProgress({ lines: 10, records: 10, skipped: 0, bytes: 100, streams: 2, reconnects: 0, finished });
    const ui = await mount(store);
    await ui.press('p', 'q'); // paused, then quit: the last frame must not say "p resumes" either
    // The last frame drawn (under CI=true, Ink writes a bare newline at exit after it).
    const frame = plain([...ui.frames].reverse().find((f) => f.trim() !== '') ?? '');
    expect(frame).toContain(state);
    expect(frame).not.toMatch(/● reading|● following|q to quit|PAUSED/);
    ui.unmount();
  });

  it.each([
    { name: '80x24', columns: 80, rows: 24 },
    { name: '120x40', columns: 120, rows: 40 },
    { name: '60x16', columns: 60, rows: 16 },
  ])('fits a $name terminal after a resize', async ({ columns, rows }) => {
    const store = populated();
    for (let i = 0; i < 60; i++) store.addFlow(flow({ destination: { key: `service-${i}.partner.example.com:8443` } }));
    const ui = await mount(store, 100, 30);
    resize(ui.stdout, columns, rows);
    await settle();
    const frame = ui.lastFrame() ?? '';
    expect(widestLine(frame)).toBeLessThanOrEqual(columns);
    expect(frame.split('\n').length).toBeLessThanOrEqual(rows - 1);
    expect(frame).toContain('q quit');
    await ui.press(KEYS.enter);
    const detail = ui.lastFrame() ?? '';
    expect(widestLine(detail)).toBeLessThanOrEqual(columns);
    expect(detail.split('\n').length).toBeLessThanOrEqual(rows - 1);
    ui.unmount();
  });

  it.each([
    { name: '100x12', columns: 100, rows: 12, lists: true },
    { name: '40x10', columns: 40, rows: 10, lists: true },
    { name: '80x8', columns: 80, rows: 8, lists: true },
    // Room for the state, the counts, the key bar and one panel title: nothing else.
    { name: '60x5', columns: 60, rows: 5, lists: false },
  ])('fits a short $name terminal: the state row and the key bar stay, the focused panel shows its selection', async ({ columns, rows, lists }) => {
    const store = populated();
    store.setWarnings([
      { code: 'no-gateway-logs', message: 'no egress gateway logs were read' },
      { code: 'unmatched-entries', message: 'some entries found no partner' },
    ]);
    for (let i = 0; i < 30; i++) store.addFlow(flow({ destination: { key: `service-${i}.partner.example.com:8443` } }));
    await vi.advanceTimersByTimeAsync(100);
    const ui = await mount(store, columns, rows);
    const check = (frame: string): void => {
      expect(frame.split('\n').length, frame).toBeLessThanOrEqual(rows - 1);
      expect(widestLine(frame)).toBeLessThanOrEqual(columns);
      expect(plain(frame).split('\n')[0]).toMatch(/^egress-audit +LIVE/);
    };
    check(ui.lastFrame() ?? '');
    expect(ui.frame()).toMatch(/q quit|esc back/);
    expect(ui.frame().split('\n').some((l) => l.startsWith('›'))).toBe(lists);
    await ui.press(KEYS.tab);
    check(ui.lastFrame() ?? '');
    expect(ui.frame()).toContain('» Findings');
    expect(ui.frame().split('\n').some((l) => l.startsWith('›') && l.includes('→'))).toBe(lists);
    await ui.press(KEYS.enter);
    check(ui.lastFrame() ?? '');
    expect(ui.frame()).toContain('» Flow detail');
    await ui.press('?');
    check(ui.lastFrame() ?? '');
    expect(ui.frame()).toContain('» Keys');
    ui.unmount();
  });

  it('shows full destination names once the terminal is wide enough', async () => {
    const store = new DashboardStore({ failOn: ['direct'] });
    store.addFlow(flow({ destination: { key: 'storage.googleapis.example.com:443' } }));
    const ui = await mount(store, 80, 24);
    expect(ui.frame()).not.toContain('storage.googleapis.example.com:443');
    resize(ui.stdout, 120, 40);
    await settle();
    expect(ui.frame()).toContain('storage.googleapis.example.com:443');
    ui.unmount();
  });
});

describe('the Ink version the keyboard hook relies on', () => {
  it('is pinned to patch releases of 6.8 (use-key-presses.ts reads Ink\'s internal_eventEmitter, which a later 6.x may drop)', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { dependencies: Record<string, string> };
    expect(pkg.dependencies['ink']).toBe('~6.8.0');
  });
});
