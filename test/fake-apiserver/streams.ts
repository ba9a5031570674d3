/**
 * Registry of open sockets and live streams (watches and log follows), so tests can wait for a client to be
 * attached, drop connections mid-stream (socket destroyed: a non-clean end), and close everything.
 */
import type { Socket } from 'node:net';
import type { DropFilter } from './types.js';

/** A live watch or log response. */
export interface ActiveStream {
  kind: 'log' | 'watch';
  resource: string;
  namespace?: string;
  pod?: string;
  container?: string;
  socket: Socket;
  /** Watches that asked for bookmarks get one from `sendBookmarks`. */
  bookmark?: () => void;
  /** Ends the response cleanly (server-side timeout). */
  endCleanly: () => void;
  /** Log streams: stop sending anything, and stay open whatever happens to the container (a dead upstream). */
  freeze?: () => void;
}

function matches(s: ActiveStream, f: DropFilter): boolean {
  return (f.kind === undefined || f.kind === s.kind) && (f.namespace === undefined || f.namespace === s.namespace) &&
    (f.pod === undefined || f.pod === s.pod) && (f.container === undefined || f.container === s.container) &&
    (f.resource === undefined || f.resource === s.resource);
}

/** Tracks sockets and streams; `until` lets tests wait for a condition without timers. */
export class StreamRegistry {
  private readonly sockets = new Set<Socket>();
  private readonly streams = new Set<ActiveStream>();
  private readonly waiters = new Set<() => void>();

  /** Tracks a socket until it closes; swallows its errors so a client reset never crashes the test process. */
  addSocket(socket: Socket): void {
    socket.on('error', () => undefined);
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  /** Registers a stream; returns its remover (call on response close). */
  add(stream: ActiveStream): () => void {
    this.streams.add(stream);
    this.changed();
    return () => {
      if (this.streams.delete(stream)) this.changed();
    };
  }

  /** Open streams matching a filter. */
  list(filter: DropFilter = {}): ActiveStream[] {
    return [...this.streams].filter((s) => matches(s, filter));
  }

  /** Destroys the sockets of matching streams (or of every socket when no filter); returns how many. */
  drop(filter?: DropFilter): number {
    const targets = filter ? this.list(filter).map((s) => s.socket) : [...this.sockets];
    const unique = new Set(targets);
    for (const socket of unique) socket.destroy();
    return unique.size;
  }

  /** Destroys every socket (server shutdown). */
  destroyAll(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  /** Wakes waiters; called on any change a test might wait for. */
  changed(): void {
    for (const w of [...this.waiters]) w();
  }

  /** Resolves once `pred()` holds, re-checking after every change (no polling timers). */
  until(pred: () => boolean): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise((resolve) => {
      const check = (): void => {
        if (!pred()) return;
        this.waiters.delete(check);
        resolve();
      };
      this.waiters.add(check);
    });
  }
}
