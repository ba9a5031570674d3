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

  /** Writes bytes (the channel takes ownership of the buffer); resolves when the stream wants more. */
  async write(chunk: Uint8Array | string): Promise<void> {
    if (this.closed || chunk.length === 0) return;
    if (!this.out.write(chunk)) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.out.off('drain', done);
          this.out.off('error', done);
          this.out.off('close', done);
          resolve();
        };
        this.out.on('drain', done);
        this.out.on('error', done);
        this.out.on('close', done);
      });
    }
  }
}
