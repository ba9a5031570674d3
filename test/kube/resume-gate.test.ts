// The exactly-once state machine behind every followed container log (no I/O): the kubelet timestamp
// prefix, the cursor (full nanosecond timestamp + count at it), resuming with a one-second sinceTime.
import { describe, expect, it } from 'vitest';
import { compareLogTime, LogTimeReader, logTimeFromMs, sinceTimeParam, type LogTime } from '../../src/sources/kube/log-time.js';
import { ResumeGate } from '../../src/sources/kube/resume-gate.js';

const T0 = logTimeFromMs(Date.parse('2025-03-01T10:00:00Z'));
const line = (ts: string, text: string): string => `${ts} ${text}\n`;
const text = (b: Buffer | null): string => (b === null ? '' : b.toString('utf8'));

function feed(gate: ResumeGate, ...chunks: string[]): string {
  return chunks.map((c) => text(gate.push(Buffer.from(c)))).join('');
}

describe('kubelet timestamp prefix', () => {
  const reader = new LogTimeReader();
  const read = (s: string): LogTime | null => {
    const out = { sec: 0, nano: 0 };
    const buf = Buffer.from(s);
    return reader.read(buf, 0, buf.length, out) ? out : null;
  };

  it.each([
    ['nine fractional digits, Z', '2025-03-01T10:00:05.800000001Z x', { sec: T0.sec + 5, nano: 800_000_001 }],
    ['three fractional digits', '2025-03-01T10:00:05.250Z x', { sec: T0.sec + 5, nano: 250_000_000 }],
    ['no fraction', '2025-03-01T10:00:05Z x', { sec: T0.sec + 5, nano: 0 }],
    ['a +02:00 offset is the same instant as Z two hours earlier', '2025-03-01T12:00:05.5+02:00 x', { sec: T0.sec + 5, nano: 500_000_000 }],
    ['a -0130 offset without colon', '2025-03-01T08:30:05.5-0130 x', { sec: T0.sec + 5, nano: 500_000_000 }],
  ])('reads %s', (_case, input, want) => {
    expect(read(input)).toEqual(want);
  });

  it.each([
    ['a bare access-log line', '[2025-03-01T10:00:05.800Z] "GET / HTTP/1.1" 200'],
    ['a month 13', '2025-13-01T10:00:05Z x'],
    ['30 February', '2025-02-30T10:00:05Z x'], // was read as 2 March
    ['second 60', '2025-03-01T10:00:60Z x'], // was read as 10:01:00
    ['an offset of a day', '2025-03-01T10:00:05+24:00 x'],
    ['a timestamp glued to text', '2025-03-01T10:00:05Zx'],
    ['a short line', '2025-03-01'],
  ])('rejects %s', (_case, input) => {
    expect(read(input)).toBeNull();
  });

  it('formats sinceTime as the whole UTC second', () => {
    expect(sinceTimeParam({ sec: T0.sec + 5, nano: 999_999_999 })).toBe('2025-03-01T10:00:05Z');
  });

  it('orders by seconds, then nanoseconds', () => {
    expect(compareLogTime({ sec: 1, nano: 5 }, { sec: 1, nano: 6 })).toBeLessThan(0);
    expect(compareLogTime({ sec: 2, nano: 0 }, { sec: 1, nano: 999_999_999 })).toBeGreaterThan(0);
  });
});

describe('resume gate', () => {
  it('starts relative to now (sinceSeconds, read on the node’s clock) and keeps the kubelet’s first lines, stamped before the start by ours: a node 20 s behind', () => {
    const start = Date.parse('2025-03-01T10:00:05.500Z');
    const gate = new ResumeGate({ at: logTimeFromMs(start), isLogTime: false }, 65536);
    expect(gate.since(start + 300)).toEqual({ sinceSeconds: '2' }); // a second rounded up, and one for the trip
    expect(gate.since(start + 61_000)).toEqual({ sinceSeconds: '62' });
    const behind = [line('2025-03-01T09:59:45.600000000Z', 'logged at the start, 20 s slow'), line('2025-03-01T09:59:45.700000000Z', 'next')];
    expect(feed(gate, behind.join(''))).toBe(behind.join(''));
    expect(gate.since(start + 61_000)).toEqual({ sinceTime: '2025-03-01T09:59:45Z' });
    gate.resume();
    expect(feed(gate, behind.join('') + line('2025-03-01T09:59:46.000000000Z', 'new'))).toBe(line('2025-03-01T09:59:46.000000000Z', 'new'));
  });

  it('stays relative to the start across requests that brought no whole line', () => {
    const start = Date.parse('2025-03-01T10:00:05.500Z');
    const gate = new ResumeGate({ at: logTimeFromMs(start), isLogTime: false }, 65536);
    expect(feed(gate, '2025-03-01T09:59:45.600000000Z cut by a drop')).toBe('');
    gate.resume();
    expect(gate.since(start + 10_000)).toEqual({ sinceSeconds: '11' });
  });

  it.each([
    ['inside the timestamp', 12],
    ['inside the text', 40],
    ['right before the newline', 44],
  ])('holds a line split %s until its newline arrives', (_case, cut) => {
    const gate = new ResumeGate({ at: T0, isLogTime: false }, 65536);
    const whole = line('2025-03-01T10:00:01.000000000Z', 'split across chunks');
    expect(feed(gate, whole.slice(0, cut))).toBe('');
    expect(feed(gate, whole.slice(cut))).toBe(whole);
  });

  it('on resume skips exactly the lines already passed at the last timestamp (several share it)', () => {
    const gate = new ResumeGate({ at: T0, isLogTime: false }, 65536);
    const same = '2025-03-01T10:00:07.250000000Z';
    const first = [line('2025-03-01T10:00:07.100000000Z', 'a'), line(same, 'b1'), line(same, 'b2')];
    expect(feed(gate, first.join(''))).toBe(first.join(''));
    expect(gate.since(Date.now())).toEqual({ sinceTime: '2025-03-01T10:00:07Z' });
    gate.resume();
    // The server sends the whole second again, then what came after.
    const again = [...first, line(same, 'b3'), line('2025-03-01T10:00:08.000000000Z', 'c')];
    expect(feed(gate, again.join(''))).toBe(line(same, 'b3') + line('2025-03-01T10:00:08.000000000Z', 'c'));
    expect(gate.skipped).toBe(3);
    expect(gate.passed).toBe(5);
  });

  it('discards a line cut by a dropped connection and passes it once when it comes again', () => {
    const gate = new ResumeGate({ at: T0, isLogTime: false }, 65536);
    const a = line('2025-03-01T10:00:02.000000000Z', 'complete');
    const b = line('2025-03-01T10:00:02.500000000Z', 'cut by the drop');
    expect(feed(gate, a + b.slice(0, 20))).toBe(a);
    gate.resume();
    expect(feed(gate, a + b)).toBe(b);
  });

  it('passes an instance’s unfinished last line once on flush, and skips it when a later request sends it again', () => {
    const gate = new ResumeGate({ at: T0, isLogTime: false }, 65536);
    const a = line('2025-03-01T10:00:02.000000000Z', 'complete');
    const last = '2025-03-01T10:00:02.500000000Z left without a newline';
    expect(feed(gate, a + last)).toBe(a);
    expect(text(gate.flush())).toBe(`${last}\n`);
    expect(gate.flush()).toBeNull();
    gate.resume(); // previous=true after a restart serves the old instance again from the same second
    expect(feed(gate, a + last)).toBe('');
    expect(gate.flush()).toBeNull(); // already passed: the cursor is at its timestamp
  });

  it('compares across offsets by instant, not by text', () => {
    const gate = new ResumeGate({ at: T0, isLogTime: false }, 65536);
    feed(gate, line('2025-03-01T10:00:03.000000000Z', 'utc'));
    gate.resume();
    expect(feed(gate, line('2025-03-01T12:00:03.000000000+02:00', 'same instant, local'), line('2025-03-01T12:00:04.000000000+02:00', 'later'))).toBe(
      line('2025-03-01T12:00:04.000000000+02:00', 'later'),
    );
  });

  it('passes a line stamped earlier than the last one while live (a clock step) without moving the cursor', () => {
    const gate = new ResumeGate({ at: T0, isLogTime: false }, 65536);
    const out = feed(gate, line('2025-03-01T10:00:09.000000000Z', 'x'), line('2025-03-01T10:00:08.000000000Z', 'stepped back'));
    expect(out.split('\n').length - 1).toBe(2);
    expect(gate.cursor()).toEqual({ sec: T0.sec + 9, nano: 0, atLast: 1 });
  });

  it('passes lines without a timestamp rather than losing them', () => {
    const gate = new ResumeGate({ at: T0, isLogTime: false }, 65536);
    expect(feed(gate, 'no stamp here\n')).toBe('no stamp here\n');
  });

  it('keeps only enough of an over-long line for the reader to count it as too long', () => {
    const gate = new ResumeGate({ at: T0, isLogTime: false }, 100);
    const long = line('2025-03-01T10:00:01.000000000Z', 'x'.repeat(10_000));
    const out = feed(gate, long.slice(0, 5000), long.slice(5000));
    expect(out.length).toBeGreaterThan(100);
    expect(out.length).toBeLessThan(300);
    expect(out.endsWith('\n')).toBe(true);
  });

  it('continues from the old instance of a restarted container into the new one without repeats', () => {
    const gate = new ResumeGate({ at: T0, isLogTime: false }, 65536);
    const old = [line('2025-03-01T10:00:01.000000000Z', 'old-1'), line('2025-03-01T10:00:02.000000000Z', 'old-2')];
    feed(gate, old[0] as string); // the stream dropped after old-1
    gate.resume(); // previous=true read of the terminated instance
    expect(feed(gate, old.join(''))).toBe(old[1]);
    gate.resume(); // follow of the new instance
    expect(feed(gate, line('2025-03-01T10:00:03.000000000Z', 'new-1'))).toBe(line('2025-03-01T10:00:03.000000000Z', 'new-1'));
  });
});
