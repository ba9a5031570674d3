import { readFileSync } from 'node:fs';

/** One real line from fixtures/corpus/lines.jsonl. */
export interface CorpusLine {
  line: string;
  source: string;
  format: string;
  role: string;
  proto: string;
  notes: string;
}

/** One real sidecar/gateway pair from fixtures/corpus/pairs.jsonl. */
export interface CorpusPair {
  sidecar: string;
  gateway: string;
  source: string;
  notes: string;
}

function readJsonl<T>(name: string): T[] {
  const text = readFileSync(new URL(`../../fixtures/corpus/${name}`, import.meta.url), 'utf8');
  return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as T);
}

/** The real lines, verbatim. */
export const corpusLines: CorpusLine[] = readJsonl<CorpusLine>('lines.jsonl');

/** The real sidecar/gateway pairs, verbatim. */
export const corpusPairs: CorpusPair[] = readJsonl<CorpusPair>('pairs.jsonl');
