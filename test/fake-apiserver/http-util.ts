/** Small response helpers shared by the handlers, so every response records its status the same way. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StatusBody } from './status.js';
import type { RecordedRequest } from './types.js';

/** Where a request is going, as the apiserver's RequestInfoFactory would split the path. */
export interface RequestInfo {
  group: string;
  version: string;
  resource: string;
  namespace?: string;
  name?: string;
  subresource?: string;
  verb: 'get' | 'list' | 'watch';
}

/** Everything a handler needs about one request. */
export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  rec: RecordedRequest;
  user: string;
}

/** Writes a JSON body with its status code. */
export function sendJson(ctx: RequestContext, code: number, body: unknown, headers: Record<string, string> = {}): void {
  ctx.rec.status = code;
  const text = JSON.stringify(body);
  ctx.res.writeHead(code, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-cache, private',
    ...headers,
  });
  ctx.res.end(text);
}

/**
 * Writes a Status error body with the code it carries; `details.retryAfterSeconds` also becomes a
 * `Retry-After` header, as `responsewriters.ErrorNegotiated` does.
 */
export function sendStatus(ctx: RequestContext, body: StatusBody): void {
  const retry = body.details?.['retryAfterSeconds'];
  sendJson(ctx, body.code, body, typeof retry === 'number' && retry > 0 ? { 'Retry-After': String(retry) } : {});
}

/** Sends a 200 head for a chunked stream right away, so the client sees headers before the first chunk. */
export function startStream(ctx: RequestContext, contentType: string): void {
  ctx.rec.status = 200;
  ctx.res.writeHead(200, { 'Content-Type': contentType, 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
  ctx.res.flushHeaders();
}

/** Go's strconv.ParseBool, which the apiserver's query conversion uses. */
export function parseGoBool(v: string | null): boolean | undefined {
  if (v === null) return undefined;
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False', ''].includes(v)) return false;
  return undefined;
}

/** Parses an integer query parameter: undefined if absent, NaN if malformed. */
export function parseIntParam(v: string | null): number | undefined {
  if (v === null) return undefined;
  return /^-?\d+$/.test(v) ? Number(v) : NaN;
}
