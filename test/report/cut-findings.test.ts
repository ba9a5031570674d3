/**
 * The table and the Markdown summary list a fixed number of findings, failing first, then count the rest. With
 * more failing findings than rows, some failing ones are among those not listed: the count says so, so a CI summary
 * that reads "FAIL: 55 failing findings" above 50 rows does not leave the reader to guess what the rest were.
 */
import { describe, expect, it } from 'vitest';
import type { Flow } from '../../src/types.js';
import { MARKDOWN_MAX_FINDINGS } from '../../src/report/writers/markdown.js';
import { TABLE_MAX_FINDINGS } from '../../src/report/writers/table-findings.js';
import { buildReport, failingFindingRows, flow, render } from './helpers.js';

/** `failing` direct findings and `blocked` findings (not in --fail-on), each its own destination. */
function flows(failing: number, blocked: number): Flow[] {
  const direct = Array.from({ length: failing }, (_, i) =>
    flow({ destination: { key: `d${i}.example:443`, host: `d${i}.example`, port: 443, address: null, external: true }, fingerprint: `fd${i}` }),
  );
  const dropped = Array.from({ length: blocked }, (_, i) =>
    flow({
      verdict: 'blocked',
      rule: 'blocked/blackhole-cluster',
      failing: false,
      destination: { key: `b${i}.example:443`, host: `b${i}.example`, port: 443, address: null, external: true },
      fingerprint: `fb${i}`,
    }),
  );
  return [...direct, ...dropped];
}

describe('a findings list cut short', () => {
  it('Markdown: counts the failing findings among those not listed', async () => {
    const all = flows(MARKDOWN_MAX_FINDINGS + 5, 10);
    const md = await render('markdown', all, buildReport(all, undefined, ['direct'], false));
    expect(failingFindingRows(md)).toHaveLength(MARKDOWN_MAX_FINDINGS);
    expect(md).toContain(`### Findings (${MARKDOWN_MAX_FINDINGS + 15}: ${MARKDOWN_MAX_FINDINGS + 5} failing, 0 allowed, 0 baselined, 10 not in --fail-on)`);
    expect(md).toContain('… and 15 more findings (5 failing, 0 allowed, 0 baselined, 10 not in --fail-on): the JSON and SARIF reports list them all.');
  });

  it('Markdown: says nothing more when every finding is listed', async () => {
    const all = flows(3, 1);
    const md = await render('markdown', all, buildReport(all, undefined, ['direct'], false));
    expect(md).toContain('### Findings (4: 3 failing, 0 allowed, 0 baselined, 1 not in --fail-on)');
    expect(md).not.toContain('more finding');
  });

  it('table: counts the failing findings among those not listed', async () => {
    const all = flows(TABLE_MAX_FINDINGS + 1, 2);
    const table = await render('table', all, buildReport(all, undefined, ['direct'], false));
    expect(table).toContain('… and 3 more findings (1 failing, 0 allowed, 0 baselined, 2 not in --fail-on):');
  });
});
