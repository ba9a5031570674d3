/**
 * A lone UTF-16 surrogate (half a character: a policy's YAML `"\ud800"`, a cut Host header) is written as U+FFFD by
 * every writer, as the parse stage mends log lines and the JSON report always wrote it. SARIF, Markdown, JUnit XML and
 * the table wrote the text `\ud800` instead, so one exception id or host read two ways across the reports of one run.
 */
import { describe, expect, it } from 'vitest';
import type { OutputFormat } from '../../src/report/formats.js';
import type { CoverageWarning } from '../../src/report/model.js';
import { buildReport, coverage, entry, flow, render } from './helpers.js';

const LONE = '\ud800';
const HOST = `bad${LONE}.example.com`;
const WARNING: CoverageWarning = { code: 'exceptions-unused', message: `Exception x${'\udc00'}y in policy.yaml allowed no flow.` };
const flows = [
  flow({ fingerprint: 'fp-1', sidecar: entry({ file: `logs/app${LONE}.log`, line: 3 }), destination: { key: `${HOST}:443`, host: HOST, port: 443, address: '93.184.216.34:443', external: true } }),
  flow({ fingerprint: 'fp-2', failing: false, allowedBy: { id: `vendor${LONE}`, reason: `approved ${'\udfff'} here`, expires: null } }),
];
const report = buildReport(flows, coverage({ warnings: [WARNING] }), ['direct', 'exceptions-unused'], false);

/** A `\ud800`-style escape written as text: the way escapeControl showed a lone surrogate before it wrote U+FFFD. */
const ESCAPED = /\\u\{?d[89a-f][0-9a-f]{2}/i;
const RAW_LONE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Every string (and key) of a parsed JSON document. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => [...(Array.isArray(value) ? [] : [k]), ...strings(v)]);
}

describe('lone surrogates in a report', () => {
  it.each(['json', 'sarif', 'markdown', 'junit', 'table'] satisfies OutputFormat[])('%s writes each as U+FFFD, never as an escape or raw', async (format) => {
    const written = await render(format, flows, report);
    // JSON and SARIF are read back, so a lone surrogate JSON-escaped (`\ud800`, not I-JSON) shows as one here too.
    const text = format === 'json' || format === 'sarif' ? strings(JSON.parse(written)).join('\n') : written;
    expect(text.match(ESCAPED)?.[0]).toBeUndefined();
    expect(RAW_LONE.test(text)).toBe(false);
    // The exception's id and the warning's message reach every format; the host and the evidence file where it shows them.
    expect(text).toContain('vendor\ufffd');
    expect(text).toContain('x\ufffdy');
    expect(text).toContain('bad\ufffd');
  });
});
