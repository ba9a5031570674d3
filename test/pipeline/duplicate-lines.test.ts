// The memory of lines already read, which tells a copy from another input: it forgets a line once every input is
// past it by the window, holds at most MAX_REMEMBERED lines whatever the input, and finds every line it still holds.
import { describe, expect, it } from 'vitest';
import { LineParser, resolveFormat, type FormatSpec } from '../../parsers/index.js';
import { DuplicateLines, MAX_REMEMBERED, namesOneConnection } from '../../src/pipeline/duplicate-lines.js';

const parser = new LineParser(resolveFormat('auto') as FormatSpec, 65536);

/** A TCP line whose client port is `port` (and `ip`'s last byte), parsed into the parser's view; `local` its upstream socket. */
function view(port: number, ip = 7, remote = `10.244.1.${ip}:${port}`, local = `10.244.1.${ip}:${port}`) {
  const line = `[2026-11-02T09:00:01.000Z] "- - -" 0 - - - "-" 700 21138 6 - "-" "-" "-" "-" "151.101.0.223:443" PassthroughCluster ${local} 151.101.0.223:443 ${remote} pypi.org -`;
  expect(parser.parse(line)).toBe('record');
  return parser.view;
}

describe('DuplicateLines', () => {
  it('takes a line as a copy only from another input, and counts it against the pair', () => {
    const seen = new DuplicateLines(1000);
    expect(seen.repeats(view(40000), 0, 0)).toBe(false);
    expect(seen.repeats(view(40000), 0, 0)).toBe(false); // the same input: a second entry, as written
    expect(seen.repeats(view(40000), 2, 0)).toBe(true);
    expect(seen.repeats(view(40000), 1, 0)).toBe(true);
    expect(seen.repeats(view(40001), 1, 0)).toBe(false);
    expect(seen.overlaps()).toEqual([
      { first: 0, second: 1, lines: 1 },
      { first: 0, second: 2, lines: 1 },
    ]);
  });

  it('forgets a line once the watermark is past its end by the window, not before', () => {
    const seen = new DuplicateLines(1000);
    seen.repeats(view(40000), 0, 5000);
    seen.advance(5900);
    expect(seen.repeats(view(40000), 1, 5000)).toBe(true);
    seen.advance(6001);
    expect(seen.repeats(view(40000), 1, 5000)).toBe(false);
    expect(seen.forgottenEarly).toBe(0);
  });

  it('holds at most MAX_REMEMBERED lines, forgetting the oldest first (and counting them), and finds every line it holds', () => {
    const seen = new DuplicateLines(1000);
    const lines = MAX_REMEMBERED + 10;
    for (let i = 0; i < lines; i++) seen.repeats(view(1 + (i % 60000), 1 + Math.floor(i / 60000)), 0, 0);
    expect(seen.forgottenEarly).toBe(10);
    for (let i = 0; i < 10; i++) expect(seen.repeats(view(1 + i, 1), 1, 0), `line ${i}`).toBe(false);
    // Each probe above remembered its line again, forgetting ten more of the oldest: the rest are all still found.
    let found = 0;
    for (let i = 20; i < lines; i++) if (seen.repeats(view(1 + (i % 60000), 1 + Math.floor(i / 60000)), 1, 0)) found++;
    expect(found).toBe(lines - 20);
  });

  it('finds the lines it holds after forgetting others by time, in any order of their slots', () => {
    const seen = new DuplicateLines(10);
    for (let t = 0; t < 50_000; t++) {
      seen.repeats(view(1 + (t % 60000), 1 + (t % 7)), 0, t);
      seen.advance(t - 100);
    }
    let found = 0;
    for (let t = 50_000 - 110; t < 50_000; t++) if (seen.repeats(view(1 + (t % 60000), 1 + (t % 7)), 1, t)) found++;
    expect(found).toBe(110);
    expect(seen.repeats(view(1 + (50_000 - 112), 1 + ((50_000 - 112) % 7)), 1, 0)).toBe(false); // it ended before the last cutoff (49,999 - 100 - 10)
  });
});

describe('namesOneConnection', () => {
  it('is true for a client address or the proxy\'s own outgoing socket with a port, false without either or with port 0', () => {
    expect(namesOneConnection(view(40000))).toBe(true);
    expect(namesOneConnection(view(40000, 7, '-', '-'))).toBe(false);
    expect(namesOneConnection(view(40000, 7, '10.244.1.7:0', '-'))).toBe(false);
    expect(namesOneConnection(view(40000, 7, '[fd00::7]:41000', '-'))).toBe(true);
    // An SNI gateway's inner line: its client is envoy://…, its own socket out is all that names its connection.
    expect(namesOneConnection(view(40000, 7, '-'))).toBe(true);
    expect(namesOneConnection(view(40000, 7, '-', '10.244.1.7:0'))).toBe(false);
  });

  it('is true for a JSON line with a request id, and reads a JSON client address', () => {
    expect(parser.parse('{"start_time":"2026-11-02T09:00:01.000Z","request_id":"5c1b","downstream_remote_address":null}')).toBe('record');
    expect(namesOneConnection(parser.view)).toBe(true);
    expect(parser.parse('{"start_time":"2026-11-02T09:00:01.000Z","downstream_remote_address":"10.0.0.1:5555"}')).toBe('record');
    expect(namesOneConnection(parser.view)).toBe(true);
    expect(parser.parse('{"start_time":"2026-11-02T09:00:01.000Z","downstream_remote_address":"10.0.0.1:0"}')).toBe('record');
    expect(namesOneConnection(parser.view)).toBe(false);
  });
});
