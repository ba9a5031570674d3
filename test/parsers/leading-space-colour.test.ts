import { describe, expect, it } from 'vitest';
import { compileFormat } from '../../parsers/custom-format.js';
import { LineParser, parseLineText, resolveFormat, toRecord, type FormatSpec, type ParsedLine } from '../../parsers/index.js';

/** A typed Istio JSON access log of a connection that left through PassthroughCluster (a direct flow). */
const JSON_LINE = JSON.stringify({
  start_time: '2024-03-01T10:00:00.123Z',
  upstream_cluster: 'PassthroughCluster',
  upstream_host: '93.184.216.34:443',
  downstream_remote_address: '10.0.0.5:40000',
  upstream_local_address: '10.0.0.5:39999',
  downstream_local_address: '93.184.216.34:443',
  bytes_received: 5,
  bytes_sent: 6,
  response_code: 0,
  response_flags: null,
  authority: null,
});
const TEXT_LINE =
  '[2024-03-01T10:00:00.123Z] "- - -" 0 - - - "-" 85 844 1 - "-" "-" "-" "-" "10.108.0.55:2234" outbound|2234||istio-egressgateway.istio-system.svc.cluster.local 10.108.0.56:33706 192.168.0.78:1234 10.108.0.56:50898 - -';

function recordOf(got: ParsedLine): ParsedLine & { kind: 'record' } {
  expect(got.kind).toBe('record');
  return got as ParsedLine & { kind: 'record' };
}

describe('a JSON access log after white space (JSON allows it) is the JSON record it is', () => {
  const plain = recordOf(parseLineText(JSON_LINE));

  it.each([
    { name: 'a space', line: ` ${JSON_LINE}`, env: null },
    { name: 'spaces and a tab', line: `  \t ${JSON_LINE}`, env: null },
    { name: 'a BOM and a space', line: `\uFEFF ${JSON_LINE}`, env: null },
    { name: 'a space, in a CRLF file', line: ` ${JSON_LINE}\r`, env: null },
    { name: "a CRI line's two spaces (stdout F, then the space)", line: `2024-03-01T10:00:00.987654321Z stdout F  ${JSON_LINE}`, env: { timestamp: '2024-03-01T10:00:00.987654321Z', stream: 'stdout' } },
    { name: 'kubectl logs --timestamps, then a space', line: `2024-03-01T10:00:00.987654321Z  ${JSON_LINE}`, env: { timestamp: '2024-03-01T10:00:00.987654321Z' } },
    { name: 'kubectl logs --prefix, then a tab', line: `[pod/sleep-1/istio-proxy] \t${JSON_LINE}`, env: { pod: 'sleep-1', container: 'istio-proxy' } },
    // stern's prefix looked for the `{` right after it: the line was not an access log, without a word.
    { name: "stern's prefix, then a space", line: `shop-frontend-7d9f8-abcde istio-proxy  ${JSON_LINE}`, env: { pod: 'shop-frontend-7d9f8-abcde', container: 'istio-proxy' } },
    { name: "stern -A's coloured prefix, then a space", line: `\u001b[36mshop\u001b[0m \u001b[96mshop-frontend-7d9f8-abcde\u001b[0m \u001b[32mistio-proxy\u001b[0m  ${JSON_LINE}`, env: { namespace: 'shop', pod: 'shop-frontend-7d9f8-abcde', container: 'istio-proxy' } },
    { name: "Docker's json-file line holding one", line: JSON.stringify({ log: `  ${JSON_LINE}\n`, stream: 'stdout', time: '2024-03-01T10:00:00.9Z' }), env: { stream: 'stdout' } },
    { name: "Docker's json-file line after a space", line: ` ${JSON.stringify({ log: `${JSON_LINE}\n`, stream: 'stdout', time: '2024-03-01T10:00:00.9Z' })}`, env: { stream: 'stdout' } },
  ])('after $name', ({ line, env }) => {
    // These were 'not-access-log' (indented continuations): the direct flow was missed without a word.
    const got = recordOf(parseLineText(line));
    expect(got.format).toBe('istio-json');
    expect(got.record).toEqual(plain.record);
    if (env === null) expect(got.envelope).toBeNull();
    else expect(got.envelope).toMatchObject(env);
  });

  it('keeps the record\'s line from its `{`', () => {
    const p = new LineParser({ kind: 'auto' }, 65536);
    expect(p.parse(`2024-03-01T10:00:00.1Z stdout F \t ${JSON_LINE}`)).toBe('record');
    expect(p.view.text).toBe(JSON_LINE);
  });

  it('joins CRI parts whose line starts with white space', () => {
    const p = new LineParser({ kind: 'auto' }, 65536);
    const half = JSON_LINE.length >> 1;
    expect(p.parse(`2024-03-01T10:00:00.1Z stdout P  ${JSON_LINE.slice(0, half)}`)).toBe('partial');
    expect(p.parse(`2024-03-01T10:00:00.2Z stdout F ${JSON_LINE.slice(half)}`)).toBe('record');
    expect(toRecord(p.view)).toEqual(plain.record);
  });

  it('under --format istio-json, and under a JSON-shaped custom format', () => {
    expect(recordOf(parseLineText(`  ${JSON_LINE}`, 'istio-json')).record).toEqual(plain.record);
    const custom = '{"start_time":"%START_TIME%","upstream_cluster":"%UPSTREAM_CLUSTER%","upstream_host":"%UPSTREAM_HOST%","downstream_remote_address":"%DOWNSTREAM_REMOTE_ADDRESS%"}';
    expect(typeof compileFormat(custom)).not.toBe('string');
    const bare = recordOf(parseLineText(JSON_LINE, custom));
    const spaced = recordOf(parseLineText(`2024-03-01T10:00:00.1Z stdout F  ${JSON_LINE}`, custom));
    expect(spaced.record).toEqual(bare.record);
    expect(bare.record.upstream_cluster).toBe('PassthroughCluster');
  });

  it('under a forced text layout is a format mismatch, as the unindented line is, not noise', () => {
    expect(parseLineText(` ${JSON_LINE}`, 'istio-1.9')).toEqual(parseLineText(JSON_LINE, 'istio-1.9'));
    expect(parseLineText(` ${JSON_LINE}`, 'istio-1.9')).toEqual({ kind: 'malformed', reason: 'format-mismatch' });
  });

  it('leaves a text line after white space as it was (text-before-entry), and blank or other indented lines noise', () => {
    expect(parseLineText(`  ${TEXT_LINE}`)).toEqual({ kind: 'malformed', reason: 'text-before-entry' });
    expect(parseLineText(`2024-03-01T10:00:00.1Z stdout F  ${TEXT_LINE}`)).toEqual({ kind: 'malformed', reason: 'text-before-entry' });
    for (const noise of ['   ', ' \t', '  {', '  }', '  {"level":"info","msg":"x"}', '    concurrency: 2']) expect(parseLineText(noise), JSON.stringify(noise)).toEqual({ kind: 'not-access-log' });
  });

  it('reads an indented JSON line that is cut short as malformed, not noise', () => {
    expect(parseLineText(`  ${JSON_LINE.slice(0, -20)}`)).toEqual({ kind: 'malformed', reason: 'truncated' });
  });
});

describe("stern's coloured output (`--color always`) is read as the plain output is", () => {
  const esc = (code: string, text: string): string => `\u001b[${code}m${text}\u001b[0m`;
  const plain = recordOf(parseLineText(`client-abc istio-proxy ${TEXT_LINE}`));

  it.each([
    { name: 'pod and container coloured', line: `${esc('96', 'client-abc')} ${esc('32', 'istio-proxy')} ${TEXT_LINE}`, env: { pod: 'client-abc', container: 'istio-proxy', namespace: null } },
    { name: 'codes with semicolons and an empty reset', line: `\u001b[1;96mclient-abc\u001b[m \u001b[36;4mistio-proxy\u001b[0m ${TEXT_LINE}`, env: { pod: 'client-abc', container: 'istio-proxy' } },
    { name: '-A: the namespace first, coloured too', line: `${esc('96', 'shop')} ${esc('96', 'client-abc')} ${esc('32', 'istio-proxy')} ${TEXT_LINE}`, env: { namespace: 'shop', pod: 'client-abc', container: 'istio-proxy' } },
    { name: 'with --timestamps', line: `${esc('96', 'client-abc')} ${esc('32', 'istio-proxy')} 2024-03-01T10:00:00.987654321Z ${TEXT_LINE}`, env: { pod: 'client-abc', container: 'istio-proxy', timestamp: '2024-03-01T10:00:00.987654321Z' } },
  ])('$name', ({ line, env }) => {
    // These were all malformed (text-before-entry): a stern capture on a terminal was not audited at all.
    const got = recordOf(parseLineText(line));
    expect(got.record).toEqual(plain.record);
    expect(got.envelope).toMatchObject(env);
  });

  it('a JSON access log after the coloured names', () => {
    const got = recordOf(parseLineText(`${esc('96', 'client-abc')} ${esc('32', 'istio-proxy')} ${JSON_LINE}`));
    expect(got.record).toEqual(recordOf(parseLineText(JSON_LINE)).record);
    expect(got.envelope).toMatchObject({ pod: 'client-abc', container: 'istio-proxy' });
  });

  it('leaves the access log after the prefix untouched: a colour code in it stays in its value', () => {
    const coloured = TEXT_LINE.replace('"-" "-" "-" "-"', `"-" "${esc('1', 'curl')}" "-" "-"`);
    const p = new LineParser({ kind: 'auto' }, 65536);
    expect(p.parse(`${esc('96', 'client-abc')} ${esc('32', 'istio-proxy')} ${coloured}`)).toBe('record');
    expect(p.view.text).toBe(coloured);
    expect(toRecord(p.view).user_agent).toBe(esc('1', 'curl'));
  });

  it.each([
    { name: 'an erase-line escape', line: `\u001b[2K${esc('96', 'client-abc')} ${esc('32', 'istio-proxy')} ${TEXT_LINE}` },
    { name: 'a cursor move inside a name', line: `\u001b[96mclient\u001b[3Dabc\u001b[0m ${esc('32', 'istio-proxy')} ${TEXT_LINE}` },
    { name: 'an OSC title', line: `\u001b]0;x\u0007${esc('96', 'client-abc')} ${esc('32', 'istio-proxy')} ${TEXT_LINE}` },
    { name: 'a colour code before the entry, after the prefix', line: `client-abc istio-proxy ${esc('1', TEXT_LINE)}` },
    { name: 'a coloured prefix of another tool', line: `${esc('32', '[client-abc]')} ${TEXT_LINE}` },
  ])('does not read a line with $name (text-before-entry)', ({ line }) => {
    expect(parseLineText(line)).toEqual({ kind: 'malformed', reason: 'text-before-entry' });
  });

  it('under a forced layout too', () => {
    const spec = resolveFormat('istio-1.9') as FormatSpec;
    const p = new LineParser(spec, 65536);
    expect(p.parse(`${esc('96', 'client-abc')} ${esc('32', 'istio-proxy')} ${TEXT_LINE}`)).toBe('record');
    expect(p.view.envelope).toMatchObject({ pod: 'client-abc', container: 'istio-proxy' });
  });
});
