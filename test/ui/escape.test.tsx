import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { Dashboard } from '../../src/ui/Dashboard.js';
import { DashboardStore } from '../../src/ui/store.js';
import { escapeControl } from '../../src/text/escape.js';
import { entry, flow, KEYS, resize, settle } from './helpers.js';

/** Sequences a hostile log line could carry, and what each must look like on screen instead. */
const HOSTILE = [
  { name: 'clear screen', raw: '\u001b[2J', shown: '\\e[2J' },
  { name: 'window title (OSC)', raw: '\u001b]0;title\u0007', shown: '\\e]0;title\\x07' },
  { name: 'carriage return', raw: '\r', shown: '\\r' },
  { name: 'right-to-left override', raw: '\u202e', shown: '\\u202e' },
  { name: 'left-to-right isolate', raw: '\u2066', shown: '\\u2066' },
  { name: 'C1 control sequence introducer', raw: '\u009b31m', shown: '\\x9b31m' },
  // Drawn as nothing: `goo\u200bgle.com` would look exactly like google.com.
  { name: 'zero-width space', raw: '\u200b', shown: '\\u200b' },
  { name: 'zero-width joiner', raw: '\u200d', shown: '\\u200d' },
  { name: 'word joiner', raw: '\u2060', shown: '\\u2060' },
  { name: 'byte order mark', raw: '\ufeff', shown: '\\ufeff' },
  { name: 'soft hyphen', raw: '\u00ad', shown: '\\u00ad' },
  { name: 'line separator', raw: '\u2028', shown: '\\u2028' },
  { name: 'tag character', raw: '\u{e0041}', shown: '\\u{e0041}' },
];
const EVIL = HOSTILE.map((h) => h.raw).join('');
const FORBIDDEN = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/u;

function hostileStore(): DashboardStore {
  const sidecar = entry(
    { raw: `[2024-05-01T10:00:00.000Z] "GET /x${EVIL} HTTP/1.1" 200 - "curl${EVIL}" "evil${EVIL}.com"`, file: `pod/shop/app${EVIL}/istio-proxy` },
    { user_agent: `curl${EVIL}`, path: `/x${EVIL}`, authority: `evil${EVIL}.com`, response_flags: `UF${EVIL}`, extra: { [`REQ(X${EVIL})`]: `v${EVIL}` } },
  );
  const store = new DashboardStore({ failOn: ['direct'] });
  store.setHeader({ mode: 'files', description: `file${EVIL}.log`, startedAt: 0 });
  store.setWarnings([{ code: 'stream-errors', message: `stream pod/shop/app${EVIL} failed` }]);
  store.addFlow(
    flow({
      destination: { key: `evil${EVIL}.com:443`, host: `evil${EVIL}.com` },
      source: { workload: `app${EVIL}`, namespace: `ns${EVIL}`, pod: `app${EVIL}-1` },
      rule: `direct/x${EVIL}`,
      reason: `went to evil${EVIL}.com directly`,
      remediation: `block evil${EVIL}.com`,
      sidecar,
    }),
  );
  return store;
}

/** The lists, and the detail of the finding `down` rows below the newest. */
async function frames(store = hostileStore(), down = 0): Promise<{ lists: string; detail: string }> {
  const ui = render(<Dashboard store={store} color={false} />);
  resize(ui.stdout, 200, 80);
  await settle();
  const lists = ui.lastFrame() ?? '';
  for (const key of [KEYS.tab, ...Array<string>(down).fill(KEYS.down)]) {
    ui.stdin.write(key);
    await settle();
  }
  ui.stdin.write(KEYS.enter);
  await settle();
  const detail = ui.lastFrame() ?? '';
  ui.unmount();
  return { lists, detail };
}

describe('hostile log content', () => {
  it('never reaches the terminal raw, in the lists or in the detail view', async () => {
    const { lists, detail } = await frames();
    expect(detail).toContain('» Flow detail');
    expect(lists).not.toMatch(FORBIDDEN);
    expect(detail).not.toMatch(FORBIDDEN);
  });

  it.each(HOSTILE)('shows $name as visible text', async ({ shown }) => {
    const { lists, detail } = await frames();
    expect(lists).toContain(`evil${HOSTILE.map((h) => h.shown).join('')}.com`.slice(0, 8));
    expect(lists).toContain(shown);
    expect(detail).toContain(`curl${HOSTILE.map((h) => h.shown).join('')}`);
    expect(detail).toContain(shown);
  });
});

/** A store of two flows whose hosts look alike once escaped without care: one holds a literal backslash-n, one a newline. */
function lookAlikeStore(): DashboardStore {
  const store = new DashboardStore({ failOn: ['direct'] });
  store.setHeader({ mode: 'files', description: 'bell\u001b.log', startedAt: 0 });
  for (const host of ['lit\\n.example', 'nl\n.example']) store.addFlow(flow({ destination: { key: `${host}:443`, host }, rule: `direct/${host}` }));
  return store;
}

describe('log content escaped once', () => {
  it('shows a literal backslash-n unlike a newline, and an ESC as one escape, in the lists and the detail view', async () => {
    const { lists, detail: newline } = await frames(lookAlikeStore()); // the findings, newest first: the newline's flow
    const { detail: literal } = await frames(lookAlikeStore(), 1);
    // The backslash is shown doubled (`lit\\n`), the newline as its escape (`nl\n`): two different things on screen.
    expect(lists).toContain('lit\\\\n.example:443');
    expect(lists).toContain('nl\\n.example:443');
    expect(newline).toContain('rule direct/nl\\n.example');
    expect(literal).toContain('rule direct/lit\\\\n.example');
    // Escaped twice, an ESC showed `\\e`, a newline `\\n` and a backslash four.
    expect(lists).toContain('bell\\e.log');
    for (const frame of [lists, newline, literal]) {
      expect(frame).not.toContain('\\\\e');
      expect(frame).not.toContain('nl\\\\n');
      expect(frame).not.toContain('\\\\\\');
    }
  });
});

describe('a lone surrogate in log-derived text', () => {
  it('is shown as U+FFFD, as every report writes it (escapeControl, the table report\'s rule), in the lists and the detail view', async () => {
    const store = new DashboardStore({ failOn: ['direct'] });
    store.setHeader({ mode: 'files', description: 'half\ud800.log', startedAt: 0 });
    const host = 'half\ud83d.example';
    store.addFlow(flow({ destination: { key: `${host}:443`, host }, rule: 'direct/passthrough-cluster', reason: `went to ${host}\udc00 directly` }));
    const { lists, detail } = await frames(store);
    expect(lists).toContain(escapeControl(`${host}:443`));
    expect(lists).toContain('half\ufffd.example:443');
    expect(lists).toContain('half\ufffd.log');
    expect(detail).toContain('half\ufffd.example\ufffd directly');
    for (const frame of [lists, detail]) {
      expect(frame).not.toMatch(/\\ud[89a-f]/);
      expect(frame).not.toMatch(/\p{Cs}/u);
    }
  });
});
