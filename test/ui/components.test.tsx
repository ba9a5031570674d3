import { renderToString } from 'ink';
import { describe, expect, it } from 'vitest';
import { CoverageBar } from '../../src/ui/CoverageBar.js';
import { DestinationTable } from '../../src/ui/DestinationTable.js';
import { FindingsFeed } from '../../src/ui/FindingsFeed.js';
import { FlowDetail } from '../../src/ui/FlowDetail.js';
import { scrollPageRows } from '../../src/ui/ScrollView.js';
import { Header } from '../../src/ui/Header.js';
import { HelpOverlay, KEY_HELP } from '../../src/ui/HelpOverlay.js';
import { KeyBar } from '../../src/ui/KeyBar.js';
import { Sparkline, sparkline } from '../../src/ui/Sparkline.js';
import { VerdictCounters } from '../../src/ui/VerdictCounters.js';
import { EMPTY_PROGRESS } from '../../src/ui/snapshot.js';
import { VERDICTS, type Verdict } from '../../src/types.js';
import { destination, entry, flow, widestLine } from './helpers.js';

const WIDTHS = [80, 120];

function counts(overrides: Partial<Record<Verdict, number>>): Record<Verdict, number> {
  return { ...(Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>), ...overrides };
}

function lines(frame: string): string[] {
  return frame.split('\n');
}

describe('Header', () => {
  const progress = { lines: 1_234_567, records: 1_200_000, skipped: 34, bytes: 5_000_000, streams: 12, reconnects: 3, finished: false };

  it('says what is read live, for how long, how fast, and the stream counts', () => {
    const frame = renderToString(
      <Header
        header={{ mode: 'live', description: 'context kind-dev, namespaces default,shop', startedAt: 0 }}
        progress={progress}
        elapsedMs={245_000}
        linesPerSecond={48_200}
        paused={false}
        width={120}
        color={false}
      />,
      { columns: 120 },
    );
    expect(lines(frame)).toEqual([
      'egress-audit  LIVE 4m05s  ● following  context kind-dev, namespaces default,shop',
      'lines 1.23M (48.2k/s)  records 1.20M  skipped 34  streams 12  reconnects 3  read 5.0MB',
    ]);
  });

  it('says finished at the end of a replay, and paused while paused', () => {
    const frame = renderToString(
      <Header
        header={{ mode: 'files', description: '3 files', startedAt: 0 }}
        progress={{ ...progress, finished: true }}
        elapsedMs={4_000}
        linesPerSecond={0}
        paused={true}
        width={120}
        color={false}
      />,
      { columns: 120 },
    );
    expect(lines(frame)[0]).toBe('egress-audit  REPLAY 4s  ■ finished, q to quit  PAUSED (p resumes)  3 files');
    expect(frame).not.toContain('reconnects');
  });
});

describe('VerdictCounters', () => {
  it('shouts DIRECT with a marker when there is direct traffic, and draws the rates', () => {
    const frame = renderToString(
      <VerdictCounters
        verdicts={counts({ direct: 12, blocked: 3, 'via-gateway': 1500, internal: 40, inbound: 2 })}
        flowRate={[0, 1, 2, 4, 8]}
        directRate={[0, 0, 0, 0, 3]}
        width={80}
        color={false}
      />,
      { columns: 80 },
    );
    const [first, second] = lines(frame);
    expect(first).toContain('▲ DIRECT 12');
    expect(first).toContain('blocked 3');
    expect(first).toContain('via-gw 1500');
    expect(second).toMatch(/^in-mesh 42 +flows\/s +▁▂▄█ +8 direct\/s +█ +3/);
  });

  it('shows in-mesh verdicts on the first row on a wide terminal', () => {
    const frame = renderToString(
      <VerdictCounters verdicts={counts({ internal: 7, ingress: 9 })} flowRate={[]} directRate={[]} width={130} color={false} />,
      { columns: 130 },
    );
    expect(lines(frame)[0]).toMatch(/DIRECT 0 .*│ +internal 7 +inbound 0 +ingress 9/);
    expect(lines(frame)[1]).not.toContain('in-mesh');
  });
});

describe('VerdictCounters on a narrow terminal', () => {
  const verdicts = counts({ direct: 254, blocked: 48, 'gateway-only': 35, 'via-gateway': 919, internal: 464, inbound: 378, ingress: 4 });

  it('shows every egress count and the in-mesh total in a 40-column terminal, within its width', () => {
    // The columns of a wide terminal were cut at 40: 'unconfirmed', 'gw-only' and 'via-gw' went (two of them findings),
    // and the rates below them showed as 'flows/s   10…direct/s    …'.
    const frame = renderToString(<VerdictCounters verdicts={verdicts} flowRate={[3, 10]} directRate={[1, 2]} width={40} color={false} />, { columns: 40 });
    const shown = lines(frame);
    expect(shown).toEqual(['▲ DIRECT 254  blocked 48  unconfirmed 0', 'gw-only 35  via-gw 919  in-mesh 846']);
  });

  it('draws the rates on the second row when the packed counts fit on the first', () => {
    const frame = renderToString(<VerdictCounters verdicts={verdicts} flowRate={[3, 10]} directRate={[1, 2]} width={76} color={false} />, { columns: 76 });
    const [first, second] = lines(frame);
    expect(first).toBe('▲ DIRECT 254  blocked 48  unconfirmed 0  gw-only 35  via-gw 919  in-mesh 846');
    expect(second).toMatch(/^flows\/s +▃█ +10 direct\/s +▄█ +2 *$/);
  });

  it('keeps the counts on a one-row budget, the egress ones first, without columns', () => {
    const frame = renderToString(<VerdictCounters verdicts={verdicts} flowRate={[]} directRate={[]} rows={1} width={40} color={false} />, { columns: 40 });
    expect(lines(frame)).toEqual(['▲ DIRECT 254  blocked 48  unconfirmed 0…']); // the cut said, as every row says one
  });
});

describe('Sparkline', () => {
  it('scales to the largest value, leaves zeros blank and keeps the newest on the right', () => {
    expect(sparkline([0, 1, 4, 8], 6)).toBe('   ▁▄█');
    expect(sparkline([1, 2, 3, 4, 5, 6, 7, 8], 3)).toBe('▆▇█');
  });

  it('fits its width with the label and latest value', () => {
    const frame = renderToString(<Sparkline label="flows/s" values={[5, 10, 12_345]} width={30} tone="info" color={false} />, { columns: 80 });
    expect(frame.trimEnd()).toMatch(/^flows\/s +▁▁█ 12\.3k$/);
    expect(widestLine(frame)).toBeLessThanOrEqual(30);
  });
});

describe('DestinationTable', () => {
  const rows = [
    destination({ destination: 'api.stripe.com:443', verdicts: { direct: 12, 'via-gateway': 3 }, sources: ['shop/checkout', 'shop/cart'], moreSources: 4, standing: 'failing' }),
    destination({ destination: 'www.googleapis.com:443', verdicts: { 'via-gateway': 40, blocked: 2, 'via-gateway-unconfirmed': 5 } }),
  ];

  it.each(WIDTHS)('shows counts, bytes, sources and last seen, marking direct rows, at %i columns', (width) => {
    const frame = renderToString(
      <DestinationTable rows={rows} total={2} selectedIndex={0} focused={true} sortLabel="direct first" filter="" width={width} height={6} color={false} />,
      { columns: width },
    );
    const [title, header, first, second] = lines(frame);
    expect(title).toBe('» Destinations 2 external  sort: direct first (s)');
    // gw-only is the first column to go: an 80-column table keeps the columns it had.
    const gwOnly = width === 80 ? '' : ' gw-only';
    const gwCount = width === 80 ? '' : ' +·';
    expect(header).toMatch(new RegExp(`^ +destination +via-gw direct blocked unconf${gwOnly} +bytes sources +last$`));
    const sources = width === 80 ? 'shop/che… \\+5' : 'shop\\/checkout \\+5';
    expect(first).toMatch(new RegExp(`^›!api\\.stripe\\.com:443 +3 +12 +· +·${gwCount} +3\\.0kB ${sources} +10:00:05$`));
    const host = width === 80 ? 'www\\.googleapi…:443' : 'www\\.googleapis\\.com:443';
    expect(second).toMatch(new RegExp(`^  ${host} +40 +· +2 +5${gwCount} +3\\.0kB shop\\/checko?u?t?…? +10:00:05$`));
    expect(widestLine(frame)).toBeLessThanOrEqual(width);
  });

  it.each([
    { width: 60, header: /^ +destination +via-gw direct blocked sources$/, first: /^›!api\.stripe\.com:443 +3 +12 +· shop\/chec… \+5$/ },
    { width: 40, header: /^ +destination +direct sources$/, first: /^›!api\.stripe\.c…:443 +12 shop\/che… \+5$/ },
  ])('drops the least needed columns on a narrow terminal ($width columns) so destinations stay readable', ({ width, header, first }) => {
    const frame = renderToString(
      <DestinationTable rows={rows} total={2} selectedIndex={0} focused={true} sortLabel="direct first" filter="" width={width} height={6} color={false} />,
      { columns: width },
    );
    const [, head, one, two] = lines(frame);
    expect(head).toMatch(header);
    expect(one).toMatch(first);
    expect(two).toContain('www.googleap');
    // Every count sits under its column title.
    const at = (line: string | undefined, text: string): number => (line ?? '').indexOf(text);
    expect(at(one, '12') + 2).toBe(at(head, 'direct') + 'direct'.length);
    expect(widestLine(frame)).toBeLessThanOrEqual(width);
  });

  it('shows gateway-only flows (gateway traffic no sidecar entry accounts for) in their own column where the width allows', () => {
    const gw = [destination({ destination: 'pastebin.com:443', verdicts: { 'gateway-only': 35, 'via-gateway': 2 } }), ...rows];
    const render = (width: number): string[] =>
      lines(renderToString(<DestinationTable rows={gw} total={3} selectedIndex={0} focused={true} sortLabel="name" filter="" width={width} height={6} color={false} />, { columns: width }));
    for (const width of [88, 100, 120]) {
      const [, head, one] = render(width);
      expect(head, `${width}`).toContain(' gw-only ');
      // The count sits under its column title, right-aligned.
      expect((one ?? '').indexOf('35') + 2, `${width}`).toBe((head ?? '').indexOf('gw-only') + 'gw-only'.length);
      expect(widestLine(render(width).join('\n'))).toBeLessThanOrEqual(width);
    }
    for (const width of [40, 60, 80, 87]) expect(render(width)[1], `${width}`).not.toContain('gw-only');
  });

  it('scrolls so the selected row is visible and says when the filter hides rows', () => {
    const many = Array.from({ length: 20 }, (_, i) => destination({ destination: `h${i}.example.com:443` }));
    const frame = renderToString(
      <DestinationTable rows={many} total={30} selectedIndex={15} focused={true} sortLabel="name" filter="example" width={80} height={6} color={false} />,
      { columns: 80 },
    );
    const shown = lines(frame).slice(2);
    expect(shown.map((l) => l.slice(2, 7))).toEqual(['h12.e', 'h13.e', 'h14.e', 'h15.e']);
    expect(shown[3]?.startsWith('›')).toBe(true);
    expect(lines(frame)[0]).toContain('20 of 30 external');
    expect(lines(frame)[0]).toContain('filter: example');
  });

  it('marks a destination by its findings, as the table does: ! failing, ~ all allowed, direct traffic alone marks nothing', () => {
    const marked = [
      destination({ destination: 'failing.example:443', verdicts: { direct: 1 }, standing: 'failing' }),
      destination({ destination: 'allowed.example:443', verdicts: { direct: 1 }, standing: 'allowed' }),
      destination({ destination: 'open.example:443', verdicts: { direct: 1 } }),
    ];
    const frame = renderToString(
      <DestinationTable rows={marked} total={3} selectedIndex={0} focused={false} sortLabel="direct first" filter="" width={100} height={5} color={false} />,
      { columns: 100 },
    );
    expect(lines(frame).slice(2).map((l) => l.slice(0, 21))).toEqual([' !failing.example:443', ' ~allowed.example:443', '  open.example:443   ']);
  });

  it('says so when there are no external destinations yet', () => {
    const frame = renderToString(
      <DestinationTable rows={[]} total={0} selectedIndex={0} focused={false} sortLabel="direct first" filter="" width={80} height={4} color={false} />,
      { columns: 80 },
    );
    expect(frame).toContain('no external destinations yet');
  });
});

describe('FindingsFeed', () => {
  const items = [
    { id: 2, flow: flow({ verdict: 'blocked', rule: 'blocked/blackhole-cluster', failing: false, allowedBy: { id: 'ex-1', reason: 'ok', expires: null } }) },
    { id: 1, flow: flow({ destination: { key: 'api.stripe.com:443' } }) },
  ];

  it.each(WIDTHS)('lists time, verdict, workload, destination and rule, last decided first, at %i columns', (width) => {
    const frame = renderToString(
      <FindingsFeed items={items} held={2} seen={1234} groups={1} selectedIndex={1} focused={true} width={width} height={5} color={false} failOn={['direct']} />,
      { columns: width },
    );
    const [title, first, second] = lines(frame);
    // The whole legend where it fits, its markers alone where it does not.
    // Rows are flows, the report's findings their groups: both named (was `1234 seen`, beside a report of 1 finding).
    // Where the whole legend does not fit, the order goes, then the legend's words.
    const expected = width === 80 ? '» Findings 2 shown, 1234 flows in 1 finding  ! failing  ~ allowed' : '» Findings last decided first  2 shown, 1234 flows in 1 finding  ! failing  ~ allowed (exception or baseline)';
    expect(title).toBe(expected);
    expect(first).toMatch(/^ ~09:31:17 blocked +shop\/checkout +→ my\.server\.com:1234 +blocked\/blackhole(-cluster|…)$/);
    expect(second).toMatch(/^›!09:31:17 DIRECT +shop\/checkout +→ api\.stripe\.com:443 +direct\/service-en(try-host|…)$/);
    expect(widestLine(frame)).toBeLessThanOrEqual(width);
  });

  it.each([
    { width: 60, second: /^›!09:31:17 DIRECT +shop\/checkout +→ api\.stripe\.com:443$/ },
    { width: 40, second: /^›!DIRECT +shop\/ch… → api\.strip…:443$/ },
  ])('drops the rule, then the time, on a narrow terminal ($width columns) so the destination stays readable', ({ width, second }) => {
    const frame = renderToString(
      <FindingsFeed items={items} held={2} seen={1234} groups={1} selectedIndex={1} focused={true} width={width} height={5} color={false} failOn={['direct']} />,
      { columns: width },
    );
    expect(lines(frame)[2]).toMatch(second);
    expect(widestLine(frame)).toBeLessThanOrEqual(width);
  });

  it('marks a finding the baseline let through ~ as allowed, and one not in --fail-on with nothing', () => {
    const feed = [
      { id: 2, flow: flow({ failing: false, allowedBy: null }) },
      { id: 1, flow: flow({ verdict: 'blocked', rule: 'blocked/blackhole-cluster', failing: false, allowedBy: null }) },
    ];
    const frame = renderToString(
      <FindingsFeed items={feed} held={2} seen={2} groups={2} selectedIndex={0} focused={false} width={100} height={3} color={false} failOn={['direct']} />,
      { columns: 100 },
    );
    expect(lines(frame).slice(1).map((l) => l.slice(0, 2))).toEqual([' ~', '  ']);
  });

  it('says plainly when there is no finding of any kind yet', () => {
    const frame = renderToString(
      <FindingsFeed items={[]} held={0} seen={0} groups={0} selectedIndex={0} focused={false} width={80} height={3} color={false} failOn={['direct']} />,
      { columns: 80 },
    );
    expect(frame).toContain('✓ no findings so far: nothing direct, blocked, unconfirmed or gateway-only');
  });
});

describe('FlowDetail', () => {
  const gateway = entry(
    { role: 'egress-gateway', file: 'gw.log', line: 7, raw: '[2022-02-19T09:31:17.147Z] "- - -" 0 UH - - "-" 85 844 12 - "-" "-" "-" "-" "-" outbound|1234||my.server.com - 10.108.0.55:2234 10.108.0.56:33706 - -' },
    { response_flags: 'UH', upstream_cluster: 'outbound|1234||my.server.com', upstream_host: null },
  );
  const detailed = flow({ verdict: 'via-gateway', rule: 'via-gateway/joined', joinedBy: 'address', gateway, failing: false });

  function all(width: number): string {
    return renderToString(<FlowDetail flow={detailed} scroll={0} width={width} height={200} color={false} />, { columns: width });
  }

  it('shows the verdict, why, and what would fix it', () => {
    const frame = all(120);
    expect(frame).toContain(' via-gw   rule via-gateway/joined');
    expect(frame).toMatch(/why +The sidecar sent my\.server\.com:1234 straight to the host/);
    expect(frame).toMatch(/fix +Route my\.server\.com through the egress gateway/);
    expect(frame).toContain('joined by address');
  });

  it('shows the sidecar and gateway lines raw and decoded, with flags spelled out', () => {
    const frame = all(120);
    expect(frame).toContain('── sidecar line  istio-1.9  sidecar');
    expect(frame).toMatch(/at +line 42 of pod\/shop\/checkout-7d9f8-abcde\/istio-proxy\n/);
    expect(frame).toContain('── gateway line  istio-1.9  egress-gateway');
    expect(frame).toMatch(/at +line 7 of gw\.log\n/);
    expect(frame).toMatch(/raw +\[2022-02-19T09:31:17\.146Z\] "- - -" 0 UF,URX/);
    expect(frame).toMatch(/raw +\[2022-02-19T09:31:17\.147Z\] "- - -" 0 UH/);
    expect(frame).toMatch(/upstream_cluster +outbound\|1234\|\|my\.server\.com/);
    expect(frame).toMatch(/duration +1 ms/);
    expect(frame).toMatch(/UF  upstream connection failure \(503\)/);
    expect(frame).toMatch(/URX  upstream retry limit or max connect attempts exceeded/);
    expect(frame).toMatch(/UH  no healthy upstream hosts in the cluster \(503\)/);
  });

  it('shows a fix of several sentences whole, however many rows it takes (the view scrolls)', () => {
    // A passthrough finding's fix as the catalogue words it (~600 characters): it used to be cut at four rows,
    // "… 227 more chars", losing the very advice (name the destination by its address) the finding needs.
    const remediation =
      'Route pypi.org through the egress gateway (a ServiceEntry for pypi.org, a Gateway on the egress gateway, and a VirtualService ' +
      'sending mesh traffic for pypi.org to it), then close the direct path with a NetworkPolicy that lets pods reach only the egress ' +
      'gateway and DNS; or, if shop/frontend may reach pypi.org directly, add an exception to the policy file (under `allow:`, with a ' +
      '`reason` and an `expires` date). Name the destination in it by the address it went to (`cidrs`): `hosts` never match a name ' +
      "sent through PassthroughCluster, which is only the client's claim.";
    const frame = renderToString(<FlowDetail flow={flow({ remediation })} scroll={0} width={80} height={200} color={false} />, { columns: 80 });
    expect(frame).not.toContain('more chars');
    expect(frame.replace(/\s+/g, ' ')).toContain("which is only the client's claim.");
  });

  it('says when a hop has no line', () => {
    const frame = renderToString(<FlowDetail flow={flow()} scroll={0} width={80} height={200} color={false} />, { columns: 80 });
    expect(frame).toContain('── gateway line: none (no egress gateway entry joins this flow)');
  });

  it.each(WIDTHS)('scrolls a page at a time and fits %i columns', (width) => {
    const top = renderToString(<FlowDetail flow={detailed} scroll={0} width={width} height={10} color={false} />, { columns: width });
    const next = renderToString(<FlowDetail flow={detailed} scroll={9} width={width} height={10} color={false} />, { columns: width });
    expect(lines(top)).toHaveLength(10);
    expect(lines(top)[0]).toMatch(/rows 1-9 of \d+/);
    expect(lines(next)[0]).toMatch(/rows 10-18 of \d+/);
    expect(widestLine(top)).toBeLessThanOrEqual(width);
    expect(widestLine(next)).toBeLessThanOrEqual(width);
  });
});

describe('scrollPageRows', () => {
  it.each([1, 2, 3, 10])('is the number of content rows FlowDetail draws at height %i (the scroll keys page by it)', (height) => {
    const frame = renderToString(<FlowDetail flow={flow()} scroll={0} width={80} height={height} color={false} />, { columns: 80 });
    expect(lines(frame)[0]).toContain('Flow detail');
    expect(lines(frame).length - 1).toBe(scrollPageRows(height)); // was 1 at height 1, where only the title fits
  });
});

describe('CoverageBar', () => {
  const warnings = [
    { code: 'no-gateway-logs' as const, message: 'sidecars send to a gateway but no gateway logs were read' },
    { code: 'pods-without-sidecar' as const, message: '3 pods have no sidecar: their traffic is invisible' },
    { code: 'filtered-logging' as const, message: 'access logs look filtered to errors' },
  ];

  it('shows each warning with its code', () => {
    const frame = renderToString(<CoverageBar warnings={warnings} notices={[]} height={3} width={100} color={false} />, { columns: 100 });
    expect(lines(frame)).toEqual([
      '▲ no-gateway-logs  sidecars send to a gateway but no gateway logs were read',
      '▲ pods-without-sidecar  3 pods have no sidecar: their traffic is invisible',
      '▲ filtered-logging  access logs look filtered to errors',
    ]);
  });

  it('summarises the warnings that do not fit', () => {
    const frame = renderToString(<CoverageBar warnings={warnings} notices={[]} height={2} width={100} color={false} />, { columns: 100 });
    expect(lines(frame)[1]).toBe('▲ +2 more coverage warnings (in the report)');
  });

  it('draws nothing without warnings', () => {
    expect(renderToString(<CoverageBar warnings={[]} notices={[]} height={3} width={80} color={false} />)).toBe('');
  });

  it('shows what the run said meanwhile above the warnings, the newest wrapped so a login prompt is read whole', () => {
    const prompt = 'exec plugin kubelogin: To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code F7KQ2XH9P to authenticate.';
    const notices = [
      { message: prompt, count: 1 },
      { message: 'cannot get the istio-proxy log of pod shop/secret-1: the ClusterRole needs pods/log: get', count: 3 },
    ];
    const frame = renderToString(<CoverageBar warnings={warnings} notices={notices} height={4} width={100} color={false} />, { columns: 100 });
    const rows = lines(frame);
    expect(rows).toHaveLength(4);
    expect(rows[0]?.startsWith('▲ notice  exec plugin kubelogin: To sign in')).toBe(true);
    expect(`${rows[0]} ${rows[1]?.trim()}`).toContain('enter the code F7KQ2XH9P to authenticate.');
    expect(rows[2]).toBe('▲ notice ×3  cannot get the istio-proxy log of pod shop/secret-1: the ClusterRole needs pods/log: g…');
    expect(rows[3]).toBe('▲ +3 more coverage warnings (in the report)');
    for (const row of rows) expect(row.length).toBeLessThanOrEqual(100);
  });

  it('says how many notices and warnings it leaves out, and where each kind can be read', () => {
    const notices = [1, 2, 3].map((i) => ({ message: `notice ${i}`, count: 1 }));
    const frame = renderToString(<CoverageBar warnings={warnings} notices={notices} height={2} width={120} color={false} />, { columns: 120 });
    expect(lines(frame)).toEqual([
      '▲ notice  notice 1',
      '▲ +2 more notices (printed when the dashboard closes), +3 more coverage warnings (in the report)',
    ]);
  });
});

describe('HelpOverlay and KeyBar', () => {
  it('lists every key', () => {
    const frame = renderToString(<HelpOverlay height={30} width={100} color={false} scroll={0} />, { columns: 100 });
    for (const [keys] of KEY_HELP) expect(frame).toContain(keys);
    expect(frame).toContain('! failing  ~ allowed (exception or baseline)');
    expect(frame).toContain('1 kB = 1000 B');
  });

  it('shows the filter being typed', () => {
    expect(renderToString(<KeyBar mode="filter" filter="stripe" width={80} color={false} />)).toBe('/ stripe▏  enter keep · esc clear');
    expect(renderToString(<KeyBar mode="lists" filter="" width={80} color={false} />)).toContain('? keys');
    // The folded row is no destination whose flow was dropped: it never had one (it used to be said like one).
    const other = renderToString(<KeyBar mode="lists" filter="" unkept="(other)" width={120} color={false} />, { columns: 120 });
    expect(other).toBe("(other) holds the destinations past the report's 10000 rows: no flow of its own to open");
    // On a 40-column terminal the row is cut: '? keys' came last and was the first hint lost.
    for (const mode of ['lists', 'detail'] as const) {
      const bar = renderToString(<KeyBar mode={mode} filter="" width={40} color={false} />, { columns: 40 });
      expect(bar).toContain('q quit');
      expect(bar).toContain('? keys');
    }
  });
});

describe('empty progress', () => {
  it('renders a header before anything is known', () => {
    const frame = renderToString(
      <Header header={null} progress={EMPTY_PROGRESS} elapsedMs={0} linesPerSecond={0} paused={false} width={80} color={false} />,
    );
    expect(frame).toContain('starting…');
  });
});
