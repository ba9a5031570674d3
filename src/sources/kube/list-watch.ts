/**
 * LIST with pagination and WATCH as a stream of JSON lines (kubernetes-api.md §3): the resourceVersion
 * bookkeeping, BOOKMARKs, and both forms of "too old resource version" (an ERROR event with a 410
 * Status, or a plain HTTP 410) surfaced as `expired` so the caller relists.
 */
import { StringDecoder } from 'node:string_decoder';
import { KubeApiError, transportError, type ApiAction } from './api-errors.js';
import type { KubeHttp } from './kube-http.js';

/** Any API object: only the resourceVersion is read here. */
export interface KubeObject {
  metadata?: { resourceVersion?: string };
}

/** A whole list and the resourceVersion to watch from. */
export interface ListResult<T> {
  items: T[];
  resourceVersion: string;
}

/** Watch event types passed on (BOOKMARK and ERROR are handled here). */
export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

const PAGE = 500;

/** Lists everything (500 per page, as kubectl); an expired continue token restarts the list once. */
export async function listAll<T>(api: KubeHttp, action: ApiAction, path: string, query: Record<string, string>, signal: AbortSignal): Promise<ListResult<T>> {
  for (let attempt = 0; ; attempt++) {
    const items: T[] = [];
    let cont = '';
    try {
      for (;;) {
        const page = await api.getJson<{ items?: T[]; metadata?: { resourceVersion?: string; continue?: string } }>(
          action, path, { ...query, limit: String(PAGE), ...(cont ? { continue: cont } : {}) }, signal);
        items.push(...(page.items ?? []));
        cont = page.metadata?.continue ?? '';
        if (cont === '') return { items, resourceVersion: page.metadata?.resourceVersion ?? '' };
      }
    } catch (error) {
      if (attempt > 0 || !(error instanceof KubeApiError) || error.kind !== 'expired') throw error;
    }
  }
}

/** How a watch ended: the server closed it (resume from `resourceVersion`), or the version expired (relist). */
export interface WatchEnd {
  end: 'closed' | 'expired';
  resourceVersion: string;
}

function parseEvent(line: string): { type?: string; object?: Record<string, unknown> } | null {
  try {
    return JSON.parse(line) as { type?: string; object?: Record<string, unknown> };
  } catch {
    return null;
  }
}

/**
 * Watches from `resourceVersion` until the server ends the stream; calls `onOpen` once the server has
 * taken the watch, and `onEvent` for ADDED, MODIFIED and DELETED. A dropped connection rejects
 * (unreachable); an ERROR event other than 410 rejects too.
 */
export async function watchOnce<T extends KubeObject>(
  api: KubeHttp,
  action: ApiAction,
  path: string,
  query: Record<string, string>,
  resourceVersion: string,
  signal: AbortSignal,
  onEvent: (type: WatchEventType, object: T) => void,
  onOpen: () => void = () => undefined,
): Promise<WatchEnd> {
  let rv = resourceVersion;
  let res;
  try {
    res = await api.open(action, path, { ...query, watch: 'true', resourceVersion: rv, allowWatchBookmarks: 'true', timeoutSeconds: String(300 + Math.floor(Math.random() * 300)) }, signal, true);
  } catch (error) {
    if (error instanceof KubeApiError && error.kind === 'expired') return { end: 'expired', resourceVersion: rv };
    throw error;
  }
  onOpen();
  let carry = '';
  // A character cut between two chunks (the network may split the stream anywhere) is completed by the next one.
  const utf8 = new StringDecoder('utf8');
  try {
    for await (const chunk of res) {
      const lines = (carry + utf8.write(chunk as Buffer)).split('\n');
      carry = lines.pop() ?? '';
      for (const line of lines) {
        const ev = line.trim() === '' ? null : parseEvent(line);
        if (ev === null || typeof ev.type !== 'string' || ev.object === undefined) continue;
        if (ev.type === 'ERROR') {
          const status = ev.object as { code?: number; reason?: string; message?: string };
          if (status.code === 410 || status.reason === 'Expired' || status.reason === 'Gone') return { end: 'expired', resourceVersion: rv };
          throw new KubeApiError(api.scrub(`the watch of ${path} failed: ${status.message ?? 'ERROR event'}`), 'unavailable', status.code ?? null, status.message ?? '');
        }
        const next = (ev.object as KubeObject).metadata?.resourceVersion;
        if (typeof next === 'string' && next !== '') rv = next;
        if (ev.type === 'ADDED' || ev.type === 'MODIFIED' || ev.type === 'DELETED') onEvent(ev.type, ev.object as T);
      }
    }
  } catch (error) {
    if (error instanceof KubeApiError) throw error;
    throw transportError(action, error as NodeJS.ErrnoException, api.target);
  } finally {
    res.destroy();
  }
  return { end: 'closed', resourceVersion: rv };
}
