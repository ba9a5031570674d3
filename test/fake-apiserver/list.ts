/**
 * GET and LIST (notes §3 "List pods"): label/field selectors, `limit` + `continue` served from a snapshot at
 * the first page's resourceVersion (etcd MVCC), a 410 for a compacted continue token and a 504 for an RV the
 * server has not reached (cacher "Too large resource version").
 */
import { sendJson, sendStatus, parseIntParam, type RequestContext } from './http-util.js';
import { apiVersionOf, asVersion, type ResourceDef } from './resources.js';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector, SelectorError } from './selectors.js';
import { badRequest, expired, notFound, tooLargeResourceVersion, type StatusBody } from './status.js';
import { metaOf, type Json, type ObjectStore } from './store.js';

/** Object filter built from `labelSelector`, `fieldSelector` and the namespace. */
export type ObjectFilter = (obj: Json) => boolean;

/** Builds the filter for a request, or the 400 the apiserver returns for a bad selector. */
export function buildFilter(ctx: RequestContext, def: ResourceDef, namespace?: string): ObjectFilter | StatusBody {
  try {
    const labels = parseLabelSelector(ctx.url.searchParams.get('labelSelector') ?? '');
    const fields = parseFieldSelector(ctx.url.searchParams.get('fieldSelector') ?? '', def.fieldNames);
    return (obj) => {
      const m = metaOf(obj);
      return (namespace === undefined || m.namespace === namespace) &&
        matchesLabels(labels, m.labels ?? {}) && matchesFields(fields, def.fields(obj));
    };
  } catch (err) {
    if (err instanceof SelectorError) return badRequest(err.message);
    throw err;
  }
}

/** `GET .../{resource}/{name}`. */
export function handleGet(ctx: RequestContext, store: ObjectStore, def: ResourceDef, version: string, ns: string | undefined, name: string): void {
  const obj = store.get(def.plural, ns, name);
  if (!obj) return sendStatus(ctx, notFound(def.plural, name, def.group));
  sendJson(ctx, 200, asVersion(def, version, obj));
}

interface ContinueToken {
  v: 'meta.k8s.io/v1';
  rv: number;
  start: string;
}

function encodeContinue(rv: number, lastKey: string): string {
  const token: ContinueToken = { v: 'meta.k8s.io/v1', rv, start: `${lastKey}\u0000` };
  return Buffer.from(JSON.stringify(token)).toString('base64url');
}

function decodeContinue(raw: string): ContinueToken | undefined {
  try {
    const t = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as ContinueToken;
    return t.v === 'meta.k8s.io/v1' && typeof t.rv === 'number' && typeof t.start === 'string' ? t : undefined;
  } catch {
    return undefined;
  }
}

function keyOf(obj: Json): string {
  const m = metaOf(obj);
  return `${m.namespace ?? ''}/${m.name}`;
}

const CONTINUE_EXPIRED = 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

interface Source { rv: number; items: Json[]; after: string }

/** Where a page comes from: the live store, or the snapshot a continue token points at. */
function pageSource(ctx: RequestContext, store: ObjectStore, def: ResourceDef): Source | StatusBody {
  const cont = ctx.url.searchParams.get('continue');
  if (cont) {
    const token = decodeContinue(cont);
    if (!token) return badRequest(`continue key is not valid: ${cont}`);
    if (token.rv === -1) return { rv: store.currentRv(), items: store.list(def.plural), after: token.start };
    const items = store.snapshot(def.plural, token.rv);
    if (!items) {
      const body = expired(CONTINUE_EXPIRED);
      body.metadata.continue = encodeContinue(-1, token.start.replace(/\u0000$/, ''));
      return body;
    }
    return { rv: token.rv, items, after: token.start };
  }
  const rv = parseIntParam(ctx.url.searchParams.get('resourceVersion'));
  if (rv !== undefined && rv > store.currentRv()) return tooLargeResourceVersion(rv, store.currentRv());
  if (rv !== undefined && Number.isNaN(rv)) return badRequest('resourceVersion: Invalid value: must be an integer');
  return { rv: store.currentRv(), items: store.list(def.plural), after: '' };
}

/** `GET .../{resource}` without watch. */
export function handleList(ctx: RequestContext, store: ObjectStore, def: ResourceDef, version: string, ns?: string): void {
  const filter = buildFilter(ctx, def, ns);
  if (typeof filter !== 'function') return sendStatus(ctx, filter);
  const limit = parseIntParam(ctx.url.searchParams.get('limit'));
  if (limit !== undefined && Number.isNaN(limit)) return sendStatus(ctx, badRequest('limit: Invalid value: must be an integer'));
  const src = pageSource(ctx, store, def);
  if (!('items' in src)) return sendStatus(ctx, src);
  const matching = src.items.filter((o) => (src.after === '' || keyOf(o) >= src.after) && filter(o));
  const page = limit !== undefined && limit > 0 ? matching.slice(0, limit) : matching;
  const metadata: Record<string, unknown> = { resourceVersion: String(src.rv) };
  if (page.length < matching.length) {
    store.saveSnapshot(def.plural, src.rv, src.items);
    metadata.continue = encodeContinue(src.rv, keyOf(page[page.length - 1] as Json));
    const selectors = ctx.url.searchParams.get('labelSelector') || ctx.url.searchParams.get('fieldSelector');
    if (!selectors) metadata.remainingItemCount = matching.length - page.length;
  }
  sendJson(ctx, 200, {
    kind: `${def.kind}List`, apiVersion: apiVersionOf(def, version), metadata,
    items: page.map((o) => asVersion(def, version, o)),
  });
}
