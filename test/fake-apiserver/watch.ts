/**
 * WATCH (notes §3 "Watch pods"): 200 + chunked `application/json`, one `{"type","object"}` per line. No RV or
 * RV=0 starts with synthetic ADDED events; RV=N replays history after N; a too-old RV gets the 410 ERROR event
 * then a clean close (or a plain HTTP 410 in `http` mode, `errors.NewResourceExpired`). A MODIFIED that moves
 * an object into or out of the selector becomes ADDED / DELETED (apiserver cacher `convertToWatchEvent`).
 * BOOKMARKs carry only `metadata.resourceVersion` and go only to watches with `allowWatchBookmarks`.
 * With `splitPauseMs` set, an event holding a multibyte UTF-8 character goes out in two writes cut inside
 * that character, that long apart: TCP, TLS records and proxies may cut a chunked stream at any byte.
 */
import type { Socket } from 'node:net';
import { buildFilter, type ObjectFilter } from './list.js';
import { parseGoBool, parseIntParam, sendStatus, startStream, type RequestContext } from './http-util.js';
import { apiVersionOf, asVersion, type ResourceDef } from './resources.js';
import { badRequest, tooOldResourceVersion } from './status.js';
import type { Json, ObjectStore, StoreEvent } from './store.js';
import type { StreamRegistry } from './streams.js';

/** How an expired watch is answered. */
export type ExpiryMode = 'event' | 'http';

/** What the watch handler needs from the server. */
export interface WatchDeps {
  store: ObjectStore;
  streams: StreamRegistry;
  expiryMode: () => ExpiryMode;
  /** Null: each event is one write; a number: events with a multibyte character are cut inside it, the halves this many ms apart. */
  splitPauseMs: () => number | null;
}

/** The byte offset just after the lead byte of the first multibyte UTF-8 character, or -1 when all ASCII. */
function insideFirstMultibyte(bytes: Buffer): number {
  const lead = bytes.findIndex((b) => b >= 0xc0);
  return lead < 0 ? -1 : lead + 1;
}

type WatchType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** Converts a store event for one watcher, or null when the watcher should not see it. */
function convert(ev: StoreEvent, filter: ObjectFilter): { type: WatchType; object: Json } | null {
  const cur = ev.type !== 'DELETED' && filter(ev.object);
  const old = ev.prev !== undefined && filter(ev.prev);
  if (ev.type === 'DELETED') return old ? { type: 'DELETED', object: ev.object } : null;
  if (cur && old) return { type: 'MODIFIED', object: ev.object };
  if (cur) return { type: 'ADDED', object: ev.object };
  if (old) {
    const prev = ev.prev as Json;
    const metadata = { ...(prev.metadata as Json), resourceVersion: String(ev.rv) };
    return { type: 'DELETED', object: { ...prev, metadata } };
  }
  return null;
}

/** `GET .../{resource}?watch=true`. */
export function handleWatch(ctx: RequestContext, deps: WatchDeps, def: ResourceDef, version: string, ns?: string): void {
  const filter = buildFilter(ctx, def, ns);
  if (typeof filter !== 'function') return sendStatus(ctx, filter);
  const q = ctx.url.searchParams;
  const rvParam = q.get('resourceVersion') ?? '';
  const rv = rvParam === '' || rvParam === '0' ? undefined : parseIntParam(rvParam);
  if (rv !== undefined && Number.isNaN(rv)) return sendStatus(ctx, badRequest(`resourceVersion: Invalid value: "${rvParam}"`));
  const backlog = rv === undefined ? undefined : deps.store.eventsAfter(rv);
  if (backlog === 'expired') return answerExpired(ctx, deps, rv as number);
  startStream(ctx, 'application/json');
  // Writes in order; while the second half of a cut event waits, later events queue behind it.
  const queue: Buffer[] = [];
  let halfSent = false;
  let ending = false;
  const pump = (): void => {
    while (!halfSent && queue.length > 0 && !ctx.res.destroyed) {
      const bytes = queue.shift() as Buffer;
      const pause = deps.splitPauseMs();
      const cut = pause === null ? -1 : insideFirstMultibyte(bytes);
      if (cut < 0) {
        ctx.res.write(bytes);
        continue;
      }
      ctx.res.write(bytes.subarray(0, cut));
      halfSent = true;
      setTimeout(() => {
        halfSent = false;
        if (!ctx.res.destroyed) ctx.res.write(bytes.subarray(cut));
        pump();
      }, pause as number);
    }
    if (ending && !halfSent && queue.length === 0 && !ctx.res.destroyed) ctx.res.end();
  };
  const write = (type: string, object: Json): void => {
    queue.push(Buffer.from(`${JSON.stringify({ type, object })}\n`));
    pump();
  };
  const send = (ev: StoreEvent): void => {
    const out = ev.resource === def.plural ? convert(ev, filter) : null;
    if (out) write(out.type, asVersion(def, version, out.object));
  };
  if (backlog === undefined) {
    for (const obj of deps.store.list(def.plural)) if (filter(obj)) write('ADDED', asVersion(def, version, obj));
  } else {
    for (const ev of backlog) send(ev);
  }
  const unsubscribe = deps.store.subscribe(send);
  const bookmarks = parseGoBool(q.get('allowWatchBookmarks')) === true;
  const bookmark = (): void => write('BOOKMARK', {
    kind: def.kind, apiVersion: apiVersionOf(def, version), metadata: { resourceVersion: String(deps.store.currentRv()) },
  });
  const endCleanly = (): void => {
    ending = true;
    pump();
  };
  const remove = deps.streams.add({ kind: 'watch', resource: def.plural, namespace: ns, socket: ctx.req.socket as Socket,
    bookmark: bookmarks ? bookmark : undefined, endCleanly });
  const timeout = parseIntParam(q.get('timeoutSeconds'));
  const timer = timeout !== undefined && timeout > 0 ? setTimeout(endCleanly, timeout * 1000) : undefined;
  ctx.res.once('close', () => {
    unsubscribe();
    remove();
    if (timer) clearTimeout(timer);
  });
}

function answerExpired(ctx: RequestContext, deps: WatchDeps, rv: number): void {
  const body = tooOldResourceVersion(rv, deps.store.oldestValidRv() - 1);
  if (deps.expiryMode() === 'http') return sendStatus(ctx, body);
  startStream(ctx, 'application/json');
  ctx.res.end(`${JSON.stringify({ type: 'ERROR', object: body })}\n`);
}
