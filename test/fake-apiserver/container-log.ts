/**
 * One container instance's log, as the kubelet serves it (notes §3 "Pod log"): an append-only line buffer
 * with cursors, so an append costs O(new lines × readers) and never rescans. Readers stream with
 * backpressure; when the instance stops, followers drain and end cleanly (kubelet `waitLogs` returns once the
 * container is not running). Rotation models kubelet's `containerLogMaxSize`: tailLines/non-follow reads see
 * the current file only, while followers keep their place.
 */
import type { Stamp } from './clock.js';

/** What a reader asked for (already validated and converted by the log handler). */
export interface ReadOptions {
  follow: boolean;
  timestamps: boolean;
  /** Lines stamped before this epoch ms are skipped (kubelet compares each line's time to `since`). */
  sinceMs?: number;
  tailLines?: number;
  limitBytes?: number;
}

/** The part of a ServerResponse a reader writes to. */
export interface LogSink {
  write(chunk: string | Buffer): boolean;
  end(): void;
  once(event: 'drain', listener: () => void): unknown;
  readonly destroyed: boolean;
}

/** Tunables shared by all instances of a server. */
export interface ContainerLogConfig {
  /** Runtime splits longer lines into partial (`P`) records with no newline (containerd default 16 KiB). */
  partialLineBytes: number;
  /** Rotate the "current file" after this many bytes (kubelet containerLogMaxSize default 10 MiB). */
  rotateBytes: number;
}

interface Reader {
  sink: LogSink;
  opts: ReadOptions;
  cursor: number;
  stopAt: number;
  bytesLeft: number;
  waiting: boolean;
}

const CHUNK_CHARS = 64 * 1024;
const CRI_OVERHEAD = 44; // "<ts> stdout F " per record on disk, for rotation accounting

/** Append-only log of one container instance (one containerID). */
export class ContainerLog {
  private ts: string[] = [];
  private ms: number[] = [];
  /** A record's text, or its bytes when it was written in Latin-1 (not UTF-8). */
  private text: (string | Buffer)[] = [];
  private newline: boolean[] = [];
  private base = 0;
  private fileStart = 0;
  private fileBytes = 0;
  private readonly readers = new Set<Reader>();
  private stopped = false;

  constructor(readonly containerID: string, private readonly config: ContainerLogConfig) {}

  /** Global index one past the last record. */
  get end(): number { return this.base + this.ts.length; }

  /** True once the instance has stopped (restart, termination, pod deletion). */
  get isStopped(): boolean { return this.stopped; }

  /** Number of records (file lines, partial parts included) in the current file. */
  get currentFileLines(): number { return this.end - this.fileStart; }

  /** Number of readers currently attached. */
  get readerCount(): number { return this.readers.size; }

  /**
   * Appends lines (split on '\n', long ones into partial records), stamping each, then feeds followers;
   * `unterminated`: the very last line is a partial record with no newline (see AppendLogOptions);
   * `latin1`: each line is served in Latin-1, one byte per character, never split (see AppendLogOptions).
   */
  append(lines: readonly string[], stamp: () => Stamp, unterminated = false, latin1 = false): void {
    if (this.stopped) throw new Error(`container instance ${this.containerID} has stopped; restart it first`);
    for (const [i, raw] of lines.entries()) {
      const parts = raw.includes('\n') ? raw.split('\n') : [raw];
      for (const [j, line] of parts.entries()) {
        const terminated = !(unterminated && i === lines.length - 1 && j === parts.length - 1);
        if (latin1) this.pushRecord(Buffer.from(line, 'latin1'), stamp(), terminated);
        else this.pushLine(line, stamp(), terminated);
      }
    }
    this.maybeRotate();
    for (const r of this.readers) this.pump(r);
  }

  /** Marks the instance stopped: followers get what is left, then a clean end. */
  stop(): void {
    this.stopped = true;
    for (const r of this.readers) this.pump(r);
  }

  /** Starts a read; returns a detach function for when the client goes away. */
  open(sink: LogSink, opts: ReadOptions): () => void {
    const start = opts.tailLines === undefined ? this.fileStart : Math.max(this.fileStart, this.end - opts.tailLines);
    const reader: Reader = {
      sink, opts, cursor: start, stopAt: opts.follow ? Infinity : this.end,
      bytesLeft: opts.limitBytes ?? Infinity, waiting: false,
    };
    this.readers.add(reader);
    this.pump(reader);
    return () => this.readers.delete(reader);
  }

  private pushLine(line: string, stamp: Stamp, terminated: boolean): void {
    const limit = this.config.partialLineBytes;
    if (line.length * 3 > limit && Buffer.byteLength(line) > limit) {
      for (const part of splitByBytes(line, limit)) this.pushRecord(part.text, stamp, part.last && terminated);
    } else {
      this.pushRecord(line, stamp, terminated);
    }
  }

  private pushRecord(text: string | Buffer, stamp: Stamp, newline: boolean): void {
    this.ts.push(stamp.text);
    this.ms.push(stamp.ms);
    this.text.push(text);
    this.newline.push(newline);
    this.fileBytes += text.length + CRI_OVERHEAD;
  }

  private maybeRotate(): void {
    if (this.fileBytes < this.config.rotateBytes) return;
    this.fileStart = this.end;
    this.fileBytes = 0;
    let keepFrom = this.fileStart;
    for (const r of this.readers) keepFrom = Math.min(keepFrom, r.cursor);
    const drop = keepFrom - this.base;
    if (drop > 1024 && drop * 2 > this.ts.length) {
      for (const arr of [this.ts, this.ms, this.text, this.newline]) arr.splice(0, drop);
      this.base += drop;
    }
  }

  private pump(r: Reader): void {
    while (!r.waiting && !r.sink.destroyed) {
      const limit = Math.min(this.end, r.stopAt);
      if (r.cursor >= limit) {
        if (!r.opts.follow || this.stopped) this.finish(r);
        return;
      }
      const chunk = this.render(r, limit);
      if (chunk.length === 0) continue;
      if (!this.writeLimited(r, chunk)) return;
    }
  }

  /** Renders records from the reader's cursor up to ~64 KiB, advancing the cursor: bytes once a Latin-1 record is among them. */
  private render(r: Reader, limit: number): string | Buffer {
    let out = '';
    const bytes: Buffer[] = [];
    const since = r.opts.sinceMs;
    while (r.cursor < limit && out.length < CHUNK_CHARS) {
      const i = r.cursor++ - this.base;
      if (since !== undefined && (this.ms[i] as number) < since) continue;
      const text = this.text[i] as string | Buffer;
      const head = r.opts.timestamps ? `${this.ts[i] as string} ` : '';
      const tail = this.newline[i] ? '\n' : '';
      if (typeof text === 'string') {
        out += `${head}${text}${tail}`;
        continue;
      }
      bytes.push(Buffer.from(out + head), text, Buffer.from(tail));
      out = '';
    }
    return bytes.length === 0 ? out : Buffer.concat([...bytes, Buffer.from(out)]);
  }

  /** Writes a chunk honouring limitBytes (kubelet LimitWriter cuts at the byte); false when the reader paused or ended. */
  private writeLimited(r: Reader, chunk: string | Buffer): boolean {
    if (r.bytesLeft !== Infinity) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      if (buf.length >= r.bytesLeft) {
        r.sink.write(buf.subarray(0, r.bytesLeft));
        this.finish(r);
        return false;
      }
      r.bytesLeft -= buf.length;
    }
    if (r.sink.write(chunk)) return true;
    r.waiting = true;
    r.sink.once('drain', () => {
      r.waiting = false;
      if (this.readers.has(r)) this.pump(r);
    });
    return false;
  }

  private finish(r: Reader): void {
    this.readers.delete(r);
    if (!r.sink.destroyed) r.sink.end();
  }
}

/** Splits a string into parts of at most `limit` UTF-8 bytes without breaking a code point. */
function splitByBytes(line: string, limit: number): Array<{ text: string; last: boolean }> {
  const parts: Array<{ text: string; last: boolean }> = [];
  let start = 0;
  let bytes = 0;
  for (let i = 0; i < line.length; ) {
    const cp = line.codePointAt(i) as number;
    const width = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    const units = cp >= 0x10000 ? 2 : 1;
    if (bytes + width > limit) {
      parts.push({ text: line.slice(start, i), last: false });
      start = i;
      bytes = 0;
    }
    bytes += width;
    i += units;
  }
  parts.push({ text: line.slice(start), last: true });
  return parts;
}
