/**
 * Writing to a Node stream with backpressure: streaming writers encode into a byte buffer that goes
 * out in ~64 KiB chunks (byte-output.ts), and `drain()` waits until the stream has taken what it was given.
 */
import type { Flow } from '../../types.js';
import type { Report } from '../model.js';

/** One output of an audit: streaming writers emit flows as they come, document writers only at the end. */
export interface ReportWriter {
  /** Streaming writers write the flow now (into their chunk buffer); document writers ignore it. */
  flow(flow: Flow): void;
  /** Flushes buffered flows and resolves once the stream has accepted them (call between batches). */
  drain(): Promise<void>;
  /** True while more bytes wait in the stream than it should hold: a producer checks this before making more, and awaits drain() first. */
  backlogged(): boolean;
  /** Writes the rest of the report and resolves when the stream has accepted it; the caller closes the stream. */
  end(report: Report): Promise<void>;
}

/** About 64 KiB: large enough that 1M flows are ~16k writes, small enough to keep memory flat. */
export const CHUNK_SIZE = 64 * 1024;

/**
 * Resolves on 'drain' (or 'close', or at once if already destroyed: nothing more will be accepted), or
 * when `until` resolves first (a writer that needs less than an empty stream); rejects on 'error'.
 */
export function waitForDrain(out: NodeJS.WritableStream, until?: Promise<void>): Promise<void> {
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
    void until?.then(done);
  });
}

/** Writes `text` and resolves when the stream has handled it (its write callback ran). */
export function writeAndWait(out: NodeJS.WritableStream, text: string): Promise<void> {
  if (text.length === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    out.write(text, (err?: Error | null) => (err ? reject(err) : resolve()));
  });
}

/** A writer that renders the whole document at the end (table, junit, sarif, markdown): one string, or pieces written in turn (a document may be longer than a string can be). */
export function documentWriter(out: NodeJS.WritableStream, render: (report: Report) => string | Iterable<string>): ReportWriter {
  return {
    flow: () => undefined,
    drain: () => Promise.resolve(),
    backlogged: () => false,
    async end(report) {
      const document = render(report);
      if (typeof document === 'string') return writeAndWait(out, document);
      for (const piece of document) await writeAndWait(out, piece);
    },
  };
}
