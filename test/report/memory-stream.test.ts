// The report tests' in-memory stream (helpers.ts) is what they read each writer's output from: it must never pass a
// report with chunks still queued for the whole one (ByteOutput.finish once resolved with them queued, and a long
// report's tail was missing here with no error), nor decode a character cut between two chunks as two U+FFFD.
import { describe, expect, it } from 'vitest';
import { MemoryStream } from './helpers.js';

describe('MemoryStream', () => {
  it('refuses to be read while chunks still wait in it, and reads them all once taken', async () => {
    const out = new MemoryStream(16);
    out.write(Buffer.from('first '));
    const last = new Promise<void>((resolve) => out.write(Buffer.from('second'), () => resolve()));
    expect(() => out.text()).toThrow('bytes still wait in the stream');
    await last;
    expect(out.text()).toBe('first second');
  });

  it('keeps a character whole when a chunk ends inside it', async () => {
    const bytes = Buffer.from('ab€cd'); // € is three bytes in UTF-8
    const out = new MemoryStream();
    out.write(bytes.subarray(0, 3));
    await new Promise<void>((resolve) => out.write(bytes.subarray(3), () => resolve()));
    expect(out.text()).toBe('ab€cd');
  });
});
