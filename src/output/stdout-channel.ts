/**
 * Hands big byte chunks to stdout (or any writable) with backpressure, so output speed, not memory,
 * limits a run; a closed pipe (`| head`) ends quietly instead of crashing.
 */
export class OutputChannel {
  private closed = false;

  constructor(private readonly out: NodeJS.WritableStream = process.stdout) {
    out.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') this.closed = true;
    });
  }

  /** True once the reader went away (EPIPE): producers may stop early. */
  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Writes bytes; resolves once the stream has handed them to the system (or failed), so the caller
   * may then reuse their memory (parse's fast-lane output is a view that the next batch overwrites).
   */
  async write(chunk: Uint8Array | string): Promise<void> {
    if (this.closed || chunk.length === 0) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.out.off('close', done);
        resolve();
      };
      this.out.on('close', done);
      this.out.write(chunk, done);
    });
  }
}
