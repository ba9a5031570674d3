/**
 * A minimal HTTPS client for tests of the fake: one-shot GETs with the Status body intact, and streams that
 * report whether they ended cleanly (chunked terminator seen) or were dropped (socket destroyed mid-body).
 */
import { request } from 'node:https';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';

/** Where and how to call. `token: null` sends no Authorization header. */
export interface CallTarget {
  url: string;
  caPem: string;
  token: string | null;
  headers?: Record<string, string>;
}

/** A completed response. */
export interface FullResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** Parsed JSON body, or undefined when it is not JSON. */
  json: unknown;
}

/** How a stream ended. */
export type StreamEnd = 'clean' | 'dropped';

/** An open streaming response. */
export interface StreamHandle {
  status: number;
  headers: IncomingHttpHeaders;
  /** Everything received so far. */
  text(): string;
  /** Complete lines received so far. */
  lines(): string[];
  /** Resolves once the received text satisfies `pred`. */
  waitFor(pred: (text: string) => boolean): Promise<void>;
  readonly ended: Promise<StreamEnd>;
  /** Client-side close (destroys the request). */
  abort(): void;
}

function open(t: CallTarget, path: string): Promise<{ res: IncomingMessage; abort: () => void }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...t.headers };
    if (t.token !== null) headers.Authorization = `Bearer ${t.token}`;
    const req = request(`${t.url}${path}`, { ca: t.caPem, headers, agent: false }, (res) => {
      resolve({ res, abort: () => req.destroy() });
    });
    req.on('error', reject);
    req.end();
  });
}

/** GETs a path and reads the whole body. */
export async function get(t: CallTarget, path: string): Promise<FullResponse> {
  const { res } = await open(t, path);
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', resolve);
    res.on('error', reject);
  });
  const body = Buffer.concat(chunks).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    json = undefined;
  }
  return { status: res.statusCode ?? 0, headers: res.headers, body, json };
}

/** Opens a streaming GET; resolves once the response head arrived. */
export async function stream(t: CallTarget, path: string): Promise<StreamHandle> {
  const { res, abort } = await open(t, path);
  let text = '';
  const waiters = new Set<() => void>();
  res.setEncoding('utf8');
  res.on('data', (c: string) => {
    text += c;
    for (const w of [...waiters]) w();
  });
  res.on('error', () => undefined);
  const ended = new Promise<StreamEnd>((resolve) => {
    res.on('close', () => {
      resolve(res.complete ? 'clean' : 'dropped');
      for (const w of [...waiters]) w();
    });
  });
  return {
    status: res.statusCode ?? 0,
    headers: res.headers,
    text: () => text,
    lines: () => text.split('\n').slice(0, -1),
    waitFor: (pred) => new Promise((resolve, reject) => {
      const check = (): void => {
        if (pred(text)) { waiters.delete(check); resolve(); return; }
        if (res.closed) { waiters.delete(check); reject(new Error(`stream closed before condition; got ${JSON.stringify(text)}`)); }
      };
      waiters.add(check);
      check();
    }),
    ended,
    abort,
  };
}
