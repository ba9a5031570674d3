/**
 * `GET /api/v1/namespaces/{ns}/pods/{name}/log` (notes §3 "Pod log"), in the apiserver's order:
 * `ValidatePodLogOptions` (422), pod lookup (404), `LogLocation` container check (400) and "no node → 200 with
 * an empty body" (pkg/registry/core/pod/strategy.go), then the kubelet's `validateContainerLogStatus` (400 via
 * `GenericHttpResponseChecker` → `NewBadRequest(kubelet text)`), then a `text/plain` chunked stream.
 * `sinceTime` is truncated to whole seconds because LogLocation re-encodes it with `time.RFC3339`; `sinceSeconds` is
 * counted back from the node's clock (kubelet `logs.NewLogOptions(apiOpts, time.Now())`: `since = now - sinceSeconds`).
 */
import type { Socket } from 'node:net';
import type { FakeCluster } from './cluster.js';
import type { ReadOptions } from './container-log.js';
import { parseGoBool, parseIntParam, sendStatus, startStream, type RequestContext } from './http-util.js';
import { pickLogInstance, type PodModel } from './pods.js';
import { badRequest, invalid, notFound, type FieldError, type StatusBody } from './status.js';
import type { StreamRegistry } from './streams.js';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Query → options, or the 400/422 the apiserver would send; `nodeNow`: the pod's node's clock (epoch ms). */
function readOptions(q: URLSearchParams, pod: string, nodeNow: () => number): ReadOptions | StatusBody {
  const tailLines = parseIntParam(q.get('tailLines'));
  const limitBytes = parseIntParam(q.get('limitBytes'));
  const sinceSeconds = parseIntParam(q.get('sinceSeconds'));
  const sinceTime = q.get('sinceTime');
  for (const [k, v] of [['tailLines', tailLines], ['limitBytes', limitBytes], ['sinceSeconds', sinceSeconds]] as const) {
    if (v !== undefined && Number.isNaN(v)) return badRequest(`${k}: invalid integer ${JSON.stringify(q.get(k))}`);
  }
  if (sinceTime !== null && !RFC3339.test(sinceTime)) {
    return badRequest(`parsing time "${sinceTime}" as "2006-01-02T15:04:05Z07:00": cannot parse`);
  }
  const errs = validate(tailLines, limitBytes, sinceSeconds, sinceTime);
  if (errs.length > 0) return invalid('PodLogOptions', pod, errs);
  const opts: ReadOptions = { follow: parseGoBool(q.get('follow')) === true, timestamps: parseGoBool(q.get('timestamps')) === true };
  if (tailLines !== undefined) opts.tailLines = tailLines;
  if (limitBytes !== undefined) opts.limitBytes = limitBytes;
  if (sinceSeconds !== undefined) opts.sinceMs = nodeNow() - sinceSeconds * 1000;
  if (sinceTime !== null) opts.sinceMs = Math.floor(Date.parse(sinceTime) / 1000) * 1000;
  return opts;
}

/** `validation.ValidatePodLogOptions` (pkg/apis/core/validation). */
function validate(tail?: number, limit?: number, sinceSeconds?: number, sinceTime?: string | null): FieldError[] {
  const errs: FieldError[] = [];
  if (tail !== undefined && tail < 0) {
    errs.push({ field: 'tailLines', type: 'FieldValueInvalid', body: `Invalid value: ${tail}: must be greater than or equal to 0` });
  }
  if (limit !== undefined && limit < 1) {
    errs.push({ field: 'limitBytes', type: 'FieldValueInvalid', body: `Invalid value: ${limit}: must be greater than 0` });
  }
  if (sinceSeconds !== undefined && sinceTime !== null && sinceTime !== undefined) {
    errs.push({ field: '', type: 'FieldValueForbidden', body: 'Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified' });
  } else if (sinceSeconds !== undefined && sinceSeconds < 1) {
    errs.push({ field: 'sinceSeconds', type: 'FieldValueInvalid', body: `Invalid value: ${sinceSeconds}: must be greater than 0` });
  }
  return errs;
}

/** LogLocation's container choice: the only regular container by default, else it must exist. */
function chooseContainer(pod: PodModel, requested: string): string | StatusBody {
  const regular = pod.containers.filter((c) => c.kind === 'regular').map((c) => c.name);
  const init = pod.containers.filter((c) => c.kind !== 'regular').map((c) => c.name);
  if (requested === '') {
    if (regular.length === 1) return regular[0] as string;
    if (regular.length === 0) return badRequest(`a container name must be specified for pod ${pod.name}`);
    let msg = `a container name must be specified for pod ${pod.name}, choose one of: [${regular.join(' ')}]`;
    if (init.length > 0) msg += ` or one of the init containers: [${init.join(' ')}]`;
    return badRequest(msg);
  }
  if (!pod.containers.some((c) => c.name === requested)) {
    return badRequest(`container ${requested} is not valid for pod ${pod.name}`);
  }
  return requested;
}

/** Handles one pods/log request. */
export function handlePodLog(ctx: RequestContext, cluster: FakeCluster, streams: StreamRegistry, ns: string, name: string): void {
  const q = ctx.url.searchParams;
  const opts = readOptions(q, name, () => cluster.clockOf(cluster.findPod(ns, name)?.nodeName ?? null).now());
  if (!('follow' in opts)) return sendStatus(ctx, opts);
  const pod = cluster.findPod(ns, name);
  if (!pod) return sendStatus(ctx, notFound('pods', name));
  const containerName = chooseContainer(pod, q.get('container') ?? '');
  if (typeof containerName !== 'string') return sendStatus(ctx, containerName);
  if (!pod.nodeName) {
    startStream(ctx, 'text/plain');
    return void ctx.res.end();
  }
  const container = pod.containers.find((c) => c.name === containerName);
  const instance = container && pickLogInstance(pod, container, parseGoBool(q.get('previous')) === true);
  if (!instance) return sendStatus(ctx, badRequest(`container "${containerName}" in pod "${name}" is not available`));
  if (typeof instance === 'string') return sendStatus(ctx, badRequest(instance));
  startStream(ctx, 'text/plain');
  let detach = (): void => undefined;
  const remove = streams.add({ kind: 'log', resource: 'pods/log', namespace: ns, pod: name, container: containerName,
    socket: ctx.req.socket as Socket, endCleanly: () => { if (!ctx.res.destroyed) ctx.res.end(); }, freeze: () => detach() });
  detach = instance.open(ctx.res, opts);
  ctx.res.once('close', () => {
    detach();
    remove();
  });
}
