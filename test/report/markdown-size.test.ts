/**
 * GitHub refuses a job summary over 1 MiB per step and then shows none of it. A client chooses its own
 * Host header (Envoy logs up to ~60 KiB of it), so 60 direct calls with long hosts made the Markdown
 * summary 12.6 MB before: the very workloads that went direct could hide the summary that names them.
 */
import { describe, expect, it } from 'vitest';
import type { Flow } from '../../src/types.js';
import { clip } from '../../src/text/clip.js';
import { MARKDOWN_MAX_FINDINGS, MARKDOWN_MAX_VALUE } from '../../src/report/writers/markdown.js';
import { buildReport, entry, failingFindingRows, flow, render } from './helpers.js';
import { sampleCoverage } from './sample.js';

/** GitHub's limit for one step's job summary. */
const GITHUB_SUMMARY_LIMIT = 1024 * 1024;

function longHostFlows(n: number, body: string): Flow[] {
  return Array.from({ length: n }, (_, i) => {
    const host = `${i}-${body}.example`;
    return flow({
      destination: { key: `${host}:443`, host, port: 443, address: null, external: true },
      reason: `The sidecar sent this straight to ${host}:443 through PassthroughCluster.`,
      remediation: `Route ${host} through the egress gateway.`,
      sidecar: entry({ file: `logs/${'d'.repeat(400)}/app.log`, line: 1000 + i }),
      fingerprint: `fp-${i}`,
      startMs: Date.parse('2024-03-01T10:00:00.000Z') + i,
    });
  });
}

describe('the Markdown summary with log values of tens of kilobytes', () => {
  it('stays under GitHub’s 1 MiB job-summary limit and still lists every finding it can', async () => {
    const flows = longHostFlows(60, 'a'.repeat(60_000));
    const md = await render('markdown', flows, buildReport(flows, sampleCoverage()));
    expect(Buffer.byteLength(md)).toBeLessThan(GITHUB_SUMMARY_LIMIT / 4);
    const rows = failingFindingRows(md);
    expect(rows).toHaveLength(MARKDOWN_MAX_FINDINGS);
    expect(md).toContain(`… and ${60 - MARKDOWN_MAX_FINDINGS} more findings`);
    // The start of the host stays, and the summary says how much was left out.
    expect(rows[0]).toMatch(/<code>\d+-a{10,}… \(\+\d+ characters, sha256 [0-9a-f]{16}\)<\/code>/);
  });

  it('keeps the file and line of long evidence paths (cut from the start)', async () => {
    const flows = longHostFlows(1, 'a');
    const md = await render('markdown', flows, buildReport(flows, sampleCoverage()));
    expect(md).toMatch(/sidecar <code>\(\+\d+ characters\) …d+\/app\.log:1000<\/code>/);
  });

  it('stays under the limit when every character of the values needs an escape', async () => {
    const flows = longHostFlows(60, '\u0001'.repeat(60_000));
    const md = await render('markdown', flows, buildReport(flows, sampleCoverage()));
    expect(Buffer.byteLength(md)).toBeLessThan(GITHUB_SUMMARY_LIMIT);
    const shown = failingFindingRows(md).length;
    expect(shown).toBeGreaterThan(0);
    expect(md).toContain(`… and ${60 - shown} more findings (${60 - shown} failing, 0 allowed, 0 baselined, 0 not in --fail-on): the JSON and SARIF reports list them all.`);
  });
});

describe('clip', () => {
  it('keeps short text and cuts long text at a code point, saying how much it left out', () => {
    expect(clip('abc', 3)).toBe('abc');
    expect(clip('abcd', 3)).toBe('abc… (+1 characters)');
    // A surrogate pair is one character and is never split.
    expect(clip('😀😀😀', 2)).toBe('😀😀… (+1 characters)');
    expect(clip('😀😀', 2)).toBe('😀😀');
    expect(clip('path/to/file.log:12', 11, 'end')).toBe('(+8 characters) …file.log:12');
    expect(clip('x'.repeat(MARKDOWN_MAX_VALUE), MARKDOWN_MAX_VALUE)).toBe('x'.repeat(MARKDOWN_MAX_VALUE));
  });

  it('keeps both ends of a warning, cutting its middle at code points, so its closing advice stays', () => {
    expect(clip('start: a.log; b.log; c.log. Advice.', 14, 'ends')).toBe('start: … (+21 characters) …Advice.');
    expect(clip('a😀😀😀😀b', 4, 'ends')).toBe('a😀… (+2 characters) …😀b');
    expect(clip('short', 5, 'ends')).toBe('short');
  });
});
