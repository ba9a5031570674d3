import { micromark } from 'micromark';
import { gfm, gfmHtml } from 'micromark-extension-gfm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ValidateFunction } from 'ajv';
import type { Flow } from '../../src/types.js';
import type { Report } from '../../src/report/model.js';
import { wellFormed } from '../../src/report/well-formed.js';
import { escapeControlOnly } from '../../src/text/escape.js';
import { buildReport, entry, flow, render } from './helpers.js';
import { sampleCoverage } from './sample.js';
import { errorText, reportValidator, sarifValidator } from './validate.js';
import { findAll, parseXml } from './xml-check.js';

/** Everything a log line can smuggle in: markup, quotes, CDATA end, ESC/NUL, bidi, a zero-width space, a lone surrogate, Markdown. */
const HOSTILE = 'x<script>&amp;"\']]>\u001b[2J\u0000|`|`\\|\nnext\r\u202e[a](http://e)*b*_c_ goo\u200bgle #h\ud800';
/** What no human-facing report may carry raw: controls, bidi overrides, and characters drawn as nothing. */
const UNSEEN = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e\u200b]/;

function hostileFlows(): Flow[] {
  const record = { user_agent: HOSTILE, path: `/${HOSTILE}`, authority: HOSTILE, start_time: '2024-03-01T10:00:00.000Z' };
  return [
    flow({
      destination: { key: `${HOSTILE}:443`, host: HOSTILE, port: 443, address: null, external: true },
      source: { workload: HOSTILE, pod: HOSTILE, namespace: 'ns', address: null },
      reason: `PassthroughCluster to ${HOSTILE}`,
      remediation: `Route ${HOSTILE} via the gateway`,
      sidecar: entry({ file: `logs/${HOSTILE}.log`, line: 7, record }),
      gateway: entry({ file: `pod/ns/${HOSTILE}/istio-proxy`, line: 8, role: 'egress-gateway', record }),
      fingerprint: `fp-${HOSTILE}`,
      expiredException: { id: HOSTILE, reason: HOSTILE, expires: null },
    }),
    flow({ failing: false, allowedBy: { id: 'ok', reason: HOSTILE, expires: HOSTILE }, fingerprint: 'fp-allowed', source: { workload: 'b', pod: null, namespace: null, address: null } }),
  ];
}

function hostileReport(flows: Flow[]): Report {
  const cov = sampleCoverage({
    streams: [{ name: HOSTILE, role: 'sidecar', roleRule: HOSTILE, lines: 1, records: 1, firstSeen: null, lastSeen: null }],
    warnings: [{ code: 'no-gateway-logs', message: `No gateway logs for ${HOSTILE}` }],
  });
  return buildReport(flows, cov, ['direct', 'no-gateway-logs']);
}

/** Counts GFM cell separators: `|` not taken by a backslash escape (a backslash escapes the next character). */
function cellSeparators(row: string): number {
  let n = 0;
  for (let i = 0; i < row.length; i++) {
    if (row[i] === '\\') i++;
    else if (row[i] === '|') n++;
  }
  return n;
}

describe('hostile log content', () => {
  const flows = hostileFlows();
  const report = hostileReport(flows);
  let reportSchema: ValidateFunction;
  let ndjsonLine: ValidateFunction;
  let sarifSchema: ValidateFunction;

  beforeAll(() => {
    reportSchema = reportValidator();
    ndjsonLine = reportValidator('ndjsonLine');
    sarifSchema = sarifValidator();
  });

  it('keeps the JSON report valid and the log values exact, but for a lone surrogate, which becomes U+FFFD (I-JSON)', async () => {
    const doc = JSON.parse(await render('json', flows, report)) as { flows: { sidecar: { user_agent: string; source: { file: string } }; destination: { host: string } }[] };
    expect(reportSchema(doc), errorText(reportSchema)).toBe(true);
    const exact = wellFormed(HOSTILE);
    expect(exact).not.toBe(HOSTILE);
    expect(doc.flows[0]?.sidecar.user_agent).toBe(exact);
    expect(doc.flows[0]?.sidecar.source.file).toBe(`logs/${exact}.log`);
    expect(doc.flows[0]?.destination.host).toBe(exact);
  });

  it('keeps one NDJSON object per line, newlines in values included', async () => {
    const lines = (await render('ndjson', flows, report)).trimEnd().split('\n');
    expect(lines).toHaveLength(flows.length + 1);
    for (const line of lines) expect(ndjsonLine(JSON.parse(line)), errorText(ndjsonLine)).toBe(true);
  });

  it('keeps the JUnit report well-formed XML 1.0, with the values escaped rather than dropped', async () => {
    const root = parseXml(await render('junit', flows, report));
    const names = findAll(root, 'testcase').map((t) => t.attrs['name']);
    const shown = escapeControlOnly(HOSTILE);
    expect(names).toContain(`${shown}:443`);
    expect(names).toContain(`ns/${shown}`);
    const failures = findAll(root, 'failure');
    expect(failures.map((f) => f.attrs['type'])).toContain('no-gateway-logs');
    expect(failures.some((f) => f.text.includes(`Route ${shown} via the gateway`))).toBe(true);
  });

  it('keeps the SARIF log valid against the official schema, with plain-text messages', async () => {
    const log = JSON.parse(await render('sarif', flows, report)) as { runs: { results: { message: { text: string } }[] }[] };
    expect(sarifSchema(log), errorText(sarifSchema)).toBe(true);
    for (const r of log.runs[0]?.results ?? []) expect(r.message.text).not.toMatch(/[\u0000-\u001f\u007f\u202e\u200b]/);
  });

  it('keeps the Markdown free of raw HTML, control characters and extra table cells', async () => {
    const md = await render('markdown', flows, report);
    expect(md).not.toMatch(UNSEEN);
    expect(md.replace(/<\/?code>|<br>/g, '')).not.toMatch(/<[a-z/]/i);
    const tables = md.split('\n\n').filter((block) => block.startsWith('|'));
    expect(tables.length).toBeGreaterThan(0);
    for (const table of tables) {
      const rows = table.split('\n');
      const width = cellSeparators(rows[0] as string);
      for (const row of rows) expect(cellSeparators(row), row).toBe(width);
    }
  });

  it('renders, through a GitHub-flavoured Markdown renderer, no link, image or HTML from log content (URLs, www. hosts, e-mail addresses)', async () => {
    const linky = 'https://www.evil.example/login?x=1 and www.evil.example or user@evil.example';
    const linkFlows = [flow({ destination: { key: `${linky}:443`, host: linky, port: 443, address: null, external: true }, reason: `sent to ${linky}`, source: { workload: linky, pod: null, namespace: null, address: null } })];
    for (const [items, rep] of [[flows, report], [linkFlows, buildReport(linkFlows, sampleCoverage(), ['direct'])]] as const) {
      const html = micromark(await render('markdown', items, rep), { extensions: [gfm()], htmlExtensions: [gfmHtml()], allowDangerousHtml: true });
      expect(html).not.toMatch(/<(a|img|script)\b/i);
      expect(html.replace(/<\/?(code|br|p|h[1-6]|ul|li|table|thead|tbody|tr|th|td|strong|em)( align="\w+")?>/g, '')).not.toMatch(/<[a-z/]/i);
    }
    const md = await render('markdown', linkFlows, buildReport(linkFlows, sampleCoverage(), ['direct']));
    expect(micromark(md, { extensions: [gfm()], htmlExtensions: [gfmHtml()] })).toContain('https://www.evil.example/login?x=1');
  });

  it('never lets a control character reach the terminal table, and keeps it within 80 columns', async () => {
    const text = await render('table', flows, report);
    expect(text).not.toMatch(UNSEEN);
    expect(text).toContain('\\e[2J');
    expect(text).toContain('goo\\u200bgle');
    for (const line of text.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
  });

  it('tells a literal backslash-n from a newline in the terminal table, and shows an ESC as one escape', async () => {
    const lookAlike = ['lit\\n.example', 'nl\n.example'].map((host) =>
      flow({ destination: { key: `${host}:443`, host, port: 443, address: null, external: true }, reason: `PassthroughCluster to ${host}\u001b[2J`, fingerprint: `fp-${host}` }),
    );
    const text = await render('table', lookAlike, buildReport(lookAlike, sampleCoverage(), ['direct']));
    // A backslash shown doubled (`lit\\n`), a newline as its escape (`nl\n`): not the same on screen.
    expect(text).toContain('lit\\\\n.example:443');
    expect(text).toContain('nl\\n.example:443');
    expect(text).toContain('PassthroughCluster to nl\\n.example\\e[2J');
    expect(text).not.toMatch(UNSEEN);
    // Escaped twice, an ESC shows `\\e`, a newline `\\n`.
    expect(text).not.toContain('\\\\e');
    expect(text).not.toContain('nl\\\\n');
  });

  it('cuts a log value as long as a client makes it (a 60 KiB Host header) in the table, as in Markdown, saying how much it left out', async () => {
    const host = `${'a'.repeat(59_990)}.example`;
    const long = [
      flow({
        destination: { key: `${host}:443`, host, port: 443, address: null, external: true },
        reason: `PassthroughCluster to ${host}:443`,
        remediation: `Route ${host} via the gateway`,
        sidecar: entry({ file: `logs/${'d/'.repeat(500)}sidecar.log`, line: 7 }),
        fingerprint: 'fp-long',
      }),
    ];
    const text = await render('table', long, buildReport(long, sampleCoverage(), ['direct']));
    expect(text).toContain(`… (+${host.length + 4 - 256} characters, sha256 `); // the destination key, with the hash of the whole (cutName)
    expect(text).toContain('sidecar.log:7'); // a path keeps its end, which names the file
    expect(text.length).toBeLessThan(12_000); // 4 copies of the host whole would be 240,000
    for (const line of text.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
  });
});
