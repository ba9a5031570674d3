// The table's header and the Markdown summary's first line name what the run read: a very long single path is cut in
// its middle, so that both its directory and its file's name stay on the page.
import { describe, expect, it } from 'vitest';
import { ReportBuilder } from '../../src/report/aggregate.js';
import { SHOWN_SENTENCE_MAX } from '../../src/text/clip.js';
import { coverage, FIXED_NOW, INPUT, render } from './helpers.js';

const DIRECTORY = '/var/log/pods/shop_checkout-7d4f8b9c6d-k2x9p_17fd35bd/';
const FILE = 'istio-proxy/0.log';

/** The table's header lines (up to the `read` line) joined again, without the spaces (the table wraps at them, or inside a long word). */
async function headerOf(description: string): Promise<string> {
  const report = new ReportBuilder({ failOn: ['direct'], baseline: null, now: FIXED_NOW }).build({ ...INPUT, description }, coverage(), '0.1.0');
  const lines = (await render('table', [], report)).split('\n');
  return lines.slice(0, lines.findIndex((l) => l.startsWith('read '))).join('').replaceAll(' ', '');
}

describe('the table header', () => {
  it('cuts a very long single input path in its middle, keeping its directory and its file name', async () => {
    const path = `${DIRECTORY}${'deep/'.repeat(400)}${FILE}`;
    const header = await headerOf(path);
    expect(header.startsWith(`egress-audit0.1.0:${DIRECTORY}`)).toBe(true);
    expect(header.endsWith(FILE)).toBe(true);
    expect(header).toContain(`…(+${path.length - SHOWN_SENTENCE_MAX}characters)…`);
  });

  it('shows a path that fits whole', async () => {
    expect(await headerOf(`${DIRECTORY}${FILE}`)).toBe(`egress-audit0.1.0:${DIRECTORY}${FILE}`);
  });
});

describe('the Markdown summary', () => {
  it('cuts a very long single input path in its middle in its first line (the same bound as the table)', async () => {
    const path = `${DIRECTORY}${'deep/'.repeat(400)}${FILE}`;
    const report = new ReportBuilder({ failOn: ['direct'], baseline: null, now: FIXED_NOW }).build({ ...INPUT, description: path }, coverage(), '0.1.0');
    // Markdown escapes the `_` of the directory.
    const first = (await render('markdown', [], report)).split('\n').find((l) => l.startsWith('/var/log/pods/')) ?? '';
    expect(first).toContain(`${FILE}: 0 flows`);
    expect(first).toContain(`(+${path.length - SHOWN_SENTENCE_MAX} characters)`);
  });
});
