import type { LineCounts } from '../types.js';

/** What progress shows: totals so far, and the total input size when known (files). */
export interface ProgressFacts {
  bytes: number;
  totalBytes: number | null;
  lines: LineCounts;
}

function human(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(Math.round(n));
}

/**
 * A one-line progress display on stderr (bytes/s, lines/s, ETA for files), redrawn at most 4 times
 * a second, and only when stderr is a terminal: CI logs and pipes stay clean.
 */
export class ProgressMeter {
  private readonly started = Date.now();
  private last = 0;
  private shown = false;

  constructor(
    private readonly facts: () => ProgressFacts,
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly enabled = process.stderr.isTTY === true,
  ) {}

  /** Redraws if a quarter second has passed. */
  tick(): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < 250) return;
    this.last = now;
    const f = this.facts();
    const secs = Math.max((now - this.started) / 1000, 0.001);
    const rate = f.bytes / secs;
    let line = `  ${human(f.lines.lines)} lines, ${human(f.lines.records)} records | ${human(rate)}B/s, ${human(f.lines.lines / secs)} lines/s`;
    if (f.totalBytes !== null && f.totalBytes > 0 && rate > 0) {
      const pct = Math.min(100, (100 * f.bytes) / f.totalBytes);
      line += ` | ${pct.toFixed(0)}%, ETA ${Math.max(0, Math.round((f.totalBytes - f.bytes) / rate))}s`;
    }
    this.out.write(`\r\u001b[2K${line}`);
    this.shown = true;
  }

  /** Clears the line before the report is printed. */
  done(): void {
    if (this.shown) this.out.write('\r\u001b[2K');
    this.shown = false;
  }
}
