import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { demoBackground, demoScenarios } from '../../bench/demo.js';
import { generateLines } from '../../bench/generate.js';
import { parseLineText } from '../../parsers/index.js';

const DEMO = fileURLToPath(new URL('../../fixtures/demo/', import.meta.url));

describe('the bundled demo capture and the traffic generator', () => {
  it('is exactly what bench/demo.ts writes (regenerate with: node dist/bench/demo.js)', () => {
    for (const [path, text] of demoBackground()) expect(readFileSync(join(DEMO, path), 'utf8'), path).toBe(text);
    expect(readdirSync(join(DEMO, 'seeds')).sort()).toEqual(demoScenarios().sort());
  });

  it('generates the same lines for the same seed, and different lines for another', () => {
    const a = [...generateLines(500, { seed: 3 })].map((l) => l.text);
    const b = [...generateLines(500, { seed: 3 })].map((l) => l.text);
    const c = [...generateLines(500, { seed: 4 })].map((l) => l.text);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('writes lines the parser reads as Istio 1.9 text or typed JSON, in end-time order per proxy, with ~1% noise', () => {
    for (const json of [false, true]) {
      const lines = [...generateLines(5000, { seed: 9, json })];
      const kinds = lines.map((l) => parseLineText(l.text));
      const records = kinds.filter((k) => k.kind === 'record');
      expect(records.length + kinds.filter((k) => k.kind === 'not-access-log').length).toBe(lines.length);
      expect(new Set(records.map((r) => (r.kind === 'record' ? r.format : '')))).toEqual(new Set([json ? 'istio-json' : 'istio-1.9']));
      const noise = lines.length - records.length;
      expect(noise).toBeGreaterThan(10);
      expect(noise).toBeLessThan(150);
      for (let i = 1; i < lines.length; i++) expect((lines[i]?.endMs ?? 0) >= (lines[i - 1]?.endMs ?? 0)).toBe(true);
    }
  });
});
