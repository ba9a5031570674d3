/**
 * Request routing: records the request, authenticates, splits the path like the apiserver's
 * RequestInfoFactory (`/api/v1/namespaces/{ns}/{resource}/{name}/{subresource}`), authorizes and dispatches.
 */
import type { AccessControl } from './auth.js';
import type { FakeCluster } from './cluster.js';
import { apiGroup, apiGroupList, apiVersions, coreResources, DISCOVERY_GROUP, discoveryResources, ISTIO_GROUP, istioResources, versionInfo } from './discovery.js';
import { parseGoBool, sendJson, sendStatus, type RequestContext, type RequestInfo } from './http-util.js';
import type { Faults } from './faults.js';
import { handleGet, handleList } from './list.js';
import { handlePodLog } from './log-handler.js';
import { findResource } from './resources.js';
import { forbidden, methodNotAllowed, noSuchResource, unauthorized } from './status.js';
import type { StreamRegistry } from './streams.js';
import { handleWatch, type ExpiryMode } from './watch.js';

/** What the router needs from the server. */
export interface RouterDeps {
  cluster: FakeCluster;
  streams: StreamRegistry;
  access: AccessControl;
  faults: Faults;
  istioVersions: readonly string[];
  serverMinor: number;
  serverAddress: string;
  expiryMode: () => ExpiryMode;
  splitPauseMs: () => number | null;
}

/** Splits a resource path after `/api/v1` or `/apis/{g}/{v}`. */
export function parseResourcePath(group: string, version: string, rest: string[], watch: boolean): RequestInfo | undefined {
  let ns: string | undefined;
  let parts = rest;
  if (parts[0] === 'namespaces' && parts.length >= 3) {
    ns = parts[1];
    parts = parts.slice(2);
  }
  const [resource, name, subresource, extra] = parts;
  if (!resource || extra !== undefined) return undefined;
  const verb = name ? 'get' : watch ? 'watch' : 'list';
  return { group, version, resource, namespace: ns, name, subresource, verb };
}

function discovery(path: string[], deps: RouterDeps): unknown {
  const [root, a, b, c] = path;
  if (root === 'version' && a === undefined) return versionInfo(deps.serverMinor);
  if (root === 'api' && a === undefined) return apiVersions(deps.serverAddress);
  if (root === 'api' && a === 'v1' && b === undefined) return coreResources();
  if (root === 'apis' && a === undefined) return apiGroupList(deps.istioVersions);
  if (root === 'apis' && a === DISCOVERY_GROUP && c === undefined) {
    if (b === undefined) return apiGroup(DISCOVERY_GROUP, ['v1']);
    if (b === 'v1') return discoveryResources();
  }
  if (root === 'apis' && a === ISTIO_GROUP && deps.istioVersions.length > 0 && c === undefined) {
    if (b === undefined) return apiGroup(ISTIO_GROUP, deps.istioVersions);
    if (deps.istioVersions.includes(b)) return istioResources(b);
  }
  return undefined;
}

function resourceInfo(path: string[], watch: boolean, deps: RouterDeps): RequestInfo | undefined {
  if (path[0] === 'api' && path[1] === 'v1' && path.length > 2) return parseResourcePath('', 'v1', path.slice(2), watch);
  if (path[0] === 'apis' && path[1] === DISCOVERY_GROUP && path[2] === 'v1' && path.length > 3) return parseResourcePath(DISCOVERY_GROUP, 'v1', path.slice(3), watch);
  if (path[0] === 'apis' && path[1] === ISTIO_GROUP && deps.istioVersions.includes(path[2] ?? '') && path.length > 3) {
    return parseResourcePath(ISTIO_GROUP, path[2] as string, path.slice(3), watch);
  }
  return undefined;
}

/** Handles one authenticated-or-not request end to end. */
export function route(ctx: RequestContext, deps: RouterDeps): void {
  const path = ctx.url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const watch = parseGoBool(ctx.url.searchParams.get('watch')) === true;
  const info = resourceInfo(path, watch, deps);
  if (info) Object.assign(ctx.rec, { verb: info.verb, resource: info.resource, subresource: info.subresource,
    namespace: info.namespace, name: info.name });
  if (!ctx.user) return sendStatus(ctx, unauthorized());
  if (ctx.req.method !== 'GET') return sendStatus(ctx, methodNotAllowed(info?.resource ?? ctx.url.pathname, ctx.req.method ?? ''));
  if (!info) {
    if (deps.access.decide({ verb: 'get', resource: '' }) === 401) return sendStatus(ctx, unauthorized());
    const doc = discovery(path, deps);
    return doc === undefined ? sendStatus(ctx, noSuchResource()) : sendJson(ctx, 200, doc);
  }
  serveResource(ctx, info, deps);
}

function serveResource(ctx: RequestContext, info: RequestInfo, deps: RouterDeps): void {
  const def = findResource(info.group, info.resource);
  const validSub = info.subresource === undefined || (def?.plural === 'pods' && info.subresource === 'log');
  if (!def || !validSub || (info.namespace !== undefined && !def.namespaced)) return sendStatus(ctx, noSuchResource());
  const full = info.subresource ? `${info.resource}/${info.subresource}` : info.resource;
  const target = { verb: info.verb, resource: full, namespace: info.namespace, name: info.name };
  if (deps.access.authenticated(target) === 401) return sendStatus(ctx, unauthorized());
  // Priority and fairness runs after authentication and before authorization (DefaultBuildHandlerChain).
  if (deps.faults.answer(ctx, target)) return;
  if (deps.access.authorized(target) === 403) {
    return sendStatus(ctx, forbidden({ user: ctx.user, verb: info.verb, group: info.group, resource: info.resource,
      subresource: info.subresource, namespace: info.namespace, name: info.name }));
  }
  const { store } = deps.cluster;
  if (info.subresource === 'log') return handlePodLog(ctx, deps.cluster, deps.streams, info.namespace ?? '', info.name ?? '');
  if (info.verb === 'get') return handleGet(ctx, store, def, info.version, info.namespace, info.name as string);
  if (info.verb === 'watch') return handleWatch(ctx, { store, streams: deps.streams, expiryMode: deps.expiryMode, splitPauseMs: deps.splitPauseMs }, def, info.version, info.namespace);
  handleList(ctx, store, def, info.version, info.namespace);
}
