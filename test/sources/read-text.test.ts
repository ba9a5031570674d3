// notPlainText says how a file is no plain text as a kind, so each reader that refuses it (the kubeconfig, a token file) picks its own advice from the kind, not from a message's wording.
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { notPlainSaid, notPlainText, plainText } from '../../src/sources/read-text.js';

describe('notPlainText', () => {
  it.each([
    ['gzip', gzipSync('kind: Config\n'), 'gzip', 'is gzip-compressed'],
    ['UTF-16LE with its mark', Buffer.concat([Buffer.of(0xff, 0xfe), Buffer.from('kind: Config\n', 'utf16le')]), 'utf-16le', 'is UTF-16LE text'],
    ['UTF-16BE without a mark', Buffer.from('kind: Config\napiVersion: v1\n', 'utf16le').swap16(), 'utf-16be', 'is UTF-16BE text'],
  ] as const)('names %s by its kind, and says it in a message', (_, bytes, kind, said) => {
    expect(notPlainText(bytes)).toBe(kind);
    expect(notPlainSaid(kind)).toBe(said);
  });

  it('takes UTF-8, with or without its mark, for plain text', () => {
    expect(notPlainText(Buffer.from('kind: Config\n'))).toBeNull();
    expect(notPlainText(Buffer.from('\ufeffkind: Config\n'))).toBeNull();
  });
});

describe('plainText (the kubeconfig and a token file, read only as written)', () => {
  it("drops UTF-8's byte-order mark: kubectl's YAML reader skips it, and in a token it would be sent in the header", () => {
    expect(plainText(Buffer.from('\ufefftoken-abc\n'))).toEqual({ text: 'token-abc\n' });
    expect(plainText(Buffer.from('token-abc\n'))).toEqual({ text: 'token-abc\n' });
  });

  it('refuses gzip and UTF-16 by their kind, and a byte that is no UTF-8 by where it is (the mark counted)', () => {
    expect(plainText(gzipSync('token-abc'))).toEqual({ notPlain: 'gzip' });
    expect(plainText(Buffer.concat([Buffer.of(0xfe, 0xff), Buffer.from('token', 'utf16le').swap16()]))).toEqual({ notPlain: 'utf-16be' });
    expect(plainText(Buffer.concat([Buffer.from('\ufeffa\nb'), Buffer.of(0xe9)]))).toEqual({ invalid: { encoding: 'utf-8', offset: 6, line: 2 } });
  });
});
