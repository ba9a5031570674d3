/**
 * Writing to a Node stream with backpressure: streaming writers batch small strings into ~64 KiB
 * chunks, and `drain()` waits until the stream has taken what it was given.
 */
import type { Flow } from '../../types.js';
import type { Report } from '../model.js';

/** One output of an audit: streaming writers emit flows as they come, document writers only at the end. */
export interface ReportWriter {
  /** Streaming writers write the flow now (into their chunk buffer); document writers ignore it. */
  flow(flow: Flow): void;
  /** Flushes buffered flows and resolves once the stream has accepted them (call between batches). */
  drain(): Promise<void>;
  /** Writes the rest of the report and resolves when the stream has accepted it; the caller closes the stream. */
  end(report: Report): Promise<void>;
}

/** About 64 KiB: large enough that 1M flows are ~16k writes, small enough to keep memory flat. */
export const CHUNK_SIZE = 64 * 1024;

/** Resolves on 'drain' (or 'close', or at once if already destroyed: nothing more will be accepted), rejects on 'error'. */
function waitForDrain(out: NodeJS.WritableStream): Promise<void> {
  if ((out as { destroyed?: boolean }).destroyed) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = (): void => {
      cleanup();
      resolve();
    };
    const fail = (err: Error): void => {
      cleanup();
      reject(err);
    };
    const cleanup = (): void => {
      out.off('drain', done);
      out.off('close', done);
      out.off('error', fail);
    };
    out.on('drain', done);
    out.on('close', done);
    out.on('error', fail);
  });
}

/** Writes `text` and resolves when the stream has handled it (its write callback ran). */
export function writeAndWait(out: NodeJS.WritableStream, text: string): Promise<void> {
  if (text.length === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    out.write(text, (err?: Error | null) => (err ? reject(err) : resolve()));
  });
}

/** A string buffer in front of a stream: collects parts, writes them as one chunk once CHUNK_SIZE is reached. */
export class ChunkedOutput {
  private parts: string[] = [];
  private size = 0;
  private blocked = false;

  constructor(private readonly out: NodeJS.WritableStream) {}

  push(text: string): void {
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= CHUNK_SIZE) this.flush();
  }

  private take(): string {
    const chunk = this.parts.join('');
    this.parts = [];
    this.size = 0;
    return chunk;
  }

  private flush(): void {
    if (this.size === 0) return;
    if (!this.out.write(this.take())) this.blocked = true;
  }

  /** Writes what is buffered, then waits for 'drain' if the stream asked the writer to back off. */
  async drain(): Promise<void> {
    this.flush();
    if (!this.blocked) return;
    this.blocked = false;
    // 'drain' may already have fired since the write that asked us to wait: waiting for it again would hang.
    if ((this.out as { writableNeedDrain?: boolean }).writableNeedDrain === false) return;
    await waitForDrain(this.out);
  }

  /** Writes the rest and resolves when the stream has handled it. */
  async finish(): Promise<void> {
    if (this.blocked) await this.drain();
    await writeAndWait(this.out, this.take());
  }
}

/** A writer that renders the whole document at the end (table, junit, sarif, markdown). */
export function documentWriter(out: NodeJS.WritableStream, render: (report: Report) => string): ReportWriter {
  return {
    flow: () => undefined,
    drain: () => Promise.resolve(),
    end: (report) => writeAndWait(out, render(report)),
  };
}
