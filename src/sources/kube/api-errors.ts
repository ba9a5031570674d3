/**
 * API failures worded for the person running `watch`: what was attempted, what went wrong (401, 403
 * with the permission the ClusterRole lacks, 404, an unreachable server, an untrusted certificate) and
 * what to do. The server's own Status message is kept; credentials never appear (see redact.ts).
 */
import { InputError } from '../../errors.js';
import { escapeControl } from '../../text/escape.js';
import { outOfDescriptors } from '../open-files.js';

/** What a request was for, so a failure can say what failed and which permission is missing. */
export interface ApiAction {
  verb: 'get' | 'list' | 'watch';
  /** Plural resource, with its subresource (`pods`, `pods/log`, `serviceentries`); `` for discovery. */
  resource: string;
  /** API group, `` for the core group. */
  group: string;
  /** Namespace, or null for all namespaces / the cluster scope. */
  namespace: string | null;
  name?: string;
}

/** How a request failed, for the retry and stop decisions. */
export type FailureKind =
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'expired'
  | 'bad-request'
  | 'unavailable'
  | 'unreachable'
  | 'tls'
  | 'aborted'
  /** No request was sent: this process had no descriptor left to open a connection with (EMFILE, ENFILE). */
  | 'descriptors';

/** Failures that retrying soon will not fix (a permission, credentials, trust). */
export const LASTING_FAILURES: readonly FailureKind[] = ['forbidden', 'unauthorized', 'tls'];

/** Where requests go and as whom, for messages (never the credentials themselves). */
export interface ApiTarget {
  server: string;
  context: string;
  /** The kubeconfig user the context names (its name only, never its credentials), or null/absent when it names none. */
  user?: string | null;
  /** The cluster's `proxy-url` without credentials, when requests go through one (a failure to connect may be the proxy's). */
  proxy?: string | null;
}

/** A failed API request; `message` is complete and safe to print. */
export class KubeApiError extends Error {
  override readonly name = 'KubeApiError';
  constructor(
    message: string,
    readonly kind: FailureKind,
    readonly status: number | null,
    /** The Status message the server sent, or the transport error's. */
    readonly detail: string,
    /** Seconds the server asked to wait before trying again (`Retry-After` on a 429 or 5xx), else null. */
    readonly retryAfterS: number | null = null,
  ) {
    super(message);
  }
}

/**
 * A failure that ends the run, for stderr. Its message is raw (contexts, servers, plugin names as the kubeconfig has them),
 * as a notice is: escaped once here, as the notices are where they are said (warnOnStderr), never piece by piece.
 */
export function endingError(error: KubeApiError): InputError {
  return new InputError(escapeControl(error.message));
}

function qualified(a: ApiAction): string {
  return a.group === '' ? a.resource : `${a.resource.split('/')[0] as string}.${a.group}${a.resource.includes('/') ? `/${a.resource.split('/')[1] as string}` : ''}`;
}

function scope(a: ApiAction): string {
  return a.namespace === null ? 'in all namespaces' : `in namespace ${a.namespace}`;
}

/** `list pods in namespace shop`, `get the log of pod shop/cart-1`, ... */
export function describeAction(a: ApiAction): string {
  if (a.resource === '') return `read API discovery${a.name ? ` for ${a.name}` : ''}`;
  if (a.resource === 'pods/log') return `get the istio-proxy log of pod ${a.namespace ?? ''}/${a.name ?? ''}`;
  if (a.name !== undefined) return `get ${qualified(a).replace(/s$/, '')} ${a.namespace ?? ''}/${a.name}`;
  return `${a.verb} ${qualified(a)} ${scope(a)}`;
}

/** The requests of `a`'s kind, whatever they were for: `log requests`, `requests to get pods`. */
function requestsLike(a: ApiAction): string {
  return a.resource === 'pods/log' ? 'log requests' : a.resource === '' ? 'API discovery requests' : `requests to ${a.verb} ${qualified(a)}`;
}

/**
 * `error`'s message without the `cannot <request>: ` it begins with (the failure as any request would say it), or null
 * when it names no request (credentials that could not be had: none was sent).
 */
export function withoutRequest(error: KubeApiError, a: ApiAction): string | null {
  const prefix = `cannot ${describeAction(a)}: `;
  return error.message.startsWith(prefix) ? error.message.slice(prefix.length) : null;
}

/**
 * `error` (a failure of request `a`) as every stream it befalls would say it, without the pod or object the request was
 * for (`log requests refused (403 Forbidden): the ClusterRole needs pods/log: get ...`): streams failing alike share it.
 * A 403 keeps what the server said, the object and its namespace put aside: a policy that denies for its own reason is
 * another cause than a permission missing.
 */
export function alikeFailure(error: KubeApiError, a: ApiAction): string {
  if (error.kind === 'forbidden') {
    const said = error.detail === '' ? '' : `; the API server said: ${apart(error.detail, a)}`;
    return `${requestsLike(a)} refused (403 Forbidden): ${permissionHint(a)}${said}`;
  }
  const rest = withoutRequest(error, a);
  // One that names no request (credentials that could not be had: none was sent) is alike as it is.
  if (rest === null) return error.message;
  return `${requestsLike(a)}${error.kind === 'unauthorized' ? ' refused' : ' failed'}: ${rest}`;
}

/** `text` (the server's word on request `a`) with the object's name and namespace, as it quotes them, put aside (`"…"`). */
function apart(text: string, a: ApiAction): string {
  let out = text;
  for (const n of [a.name, a.namespace]) if (typeof n === 'string' && n !== '') out = out.split(`"${n}"`).join('"…"');
  return out;
}

/** Whose credentials a refusal refused: `user "alice" of context "prod"`, or the context alone when it names no user. */
function credentialsOf(t: ApiTarget): string {
  return `${t.user ? `user "${t.user}" of ` : ''}context "${t.context}"`;
}

/** `the ClusterRole needs pods: list` (rbac.yaml grants exactly these). */
export function permissionHint(a: ApiAction): string {
  return `the ClusterRole needs ${qualified(a)}: ${a.verb} (see docs/rbac.yaml)`;
}

interface StatusBody {
  message?: unknown;
  reason?: unknown;
}

function statusMessage(body: string): { message: string; reason: string | null } {
  try {
    const parsed = JSON.parse(body) as StatusBody;
    if (typeof parsed.message === 'string') return { message: parsed.message, reason: typeof parsed.reason === 'string' ? parsed.reason : null };
  } catch {
    // not a Status object
  }
  return { message: body.trim().slice(0, 300), reason: null };
}

function kindOf(status: number, reason: string | null): FailureKind {
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not-found';
  if (status === 410 || reason === 'Expired' || reason === 'Gone') return 'expired';
  if (status === 400 || status === 422) return 'bad-request';
  return 'unavailable';
}

/**
 * Seconds to wait before a retry, as client-go's `checkWait` reads them: only on a 429 or a 5xx, only
 * from a `Retry-After` header of whole seconds; null when the answer does not ask for a retry.
 */
export function retryAfterSeconds(status: number, header: string | string[] | undefined): number | null {
  if (status !== 429 && status < 500) return null;
  const value = Array.isArray(header) ? header[0] : header;
  return value !== undefined && /^\s*\d+\s*$/.test(value) ? Number(value) : null;
}

/** The error for a non-2xx answer with its (Status) body; `retryAfterS` from retryAfterSeconds. */
export function statusError(a: ApiAction, status: number, body: string, t: ApiTarget, retryAfterS: number | null = null): KubeApiError {
  const { message, reason } = statusMessage(body);
  const kind = kindOf(status, reason);
  const what = `cannot ${describeAction(a)}`;
  const said = message === '' ? '' : `; the API server said: ${message}`;
  let text: string;
  if (kind === 'unauthorized') {
    text = `${what}: the API server ${t.server} rejected the credentials of ${credentialsOf(t)} (401 Unauthorized): the token, client certificate or exec-plugin credential is missing, expired or not accepted`;
  } else if (kind === 'forbidden') {
    text = `${what}: ${permissionHint(a)}${said}`;
  } else if (kind === 'not-found') {
    text = `${what}: 404 Not Found from ${t.server}${said}`;
  } else if (status >= 300 && status < 400) {
    // Not followed (its Location is not shown: it may carry a token): an API server never redirects a GET of its API.
    text = `${what}: the API server ${t.server} of context "${t.context}" answered with a redirect (HTTP ${status}), which is not followed: is the server URL that of a Kubernetes API server (not a login page or a proxy)?`;
  } else {
    text = `${what}: HTTP ${status}${said}`;
  }
  return new KubeApiError(text, kind, status, message, retryAfterS);
}

/**
 * The error for a request once the server has refused the credentials and they cannot be renewed: `why`
 * says what was tried (a token set in the kubeconfig, a token file read again, a plugin that failed).
 */
export function refusedForGood(a: ApiAction, t: ApiTarget, why: string): KubeApiError {
  return new KubeApiError(
    `cannot ${describeAction(a)}: the API server ${t.server} rejected the credentials of ${credentialsOf(t)} (401 Unauthorized) and they cannot be renewed: ${why}; the run stops`,
    'unauthorized',
    401,
    '',
  );
}

const TLS_CODES = /^(ERR_TLS|ERR_SSL|CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|EPROTO$|ERR_OSSL)/;

/** The error for a request that got no answer: unreachable server, TLS failure, timeout, abort. */
export function transportError(a: ApiAction, error: NodeJS.ErrnoException, t: ApiTarget): KubeApiError {
  const code = error.code ?? '';
  const detail = error.message;
  // Only a stop aborts a request (Ctrl-C, a signal, --duration, or a stream slot taken): 'aborted' read as the server's doing.
  if (error.name === 'AbortError' || code === 'ABORT_ERR') return new KubeApiError(`cannot ${describeAction(a)}: the run was stopped before the request was answered`, 'aborted', null, detail);
  if (outOfDescriptors(code)) {
    // Not the server's doing: `ulimit -n` (or the system's file table) is full; the owner holds its requests back.
    return new KubeApiError(`cannot ${describeAction(a)}: this process has no file descriptor left to connect with (${code}: too many open files; see ulimit -n)`, 'descriptors', null, detail);
  }
  if (code === 'ERR_INVALID_CHAR') {
    // Node refuses to send the request: a control character or line break pasted into the token (never quoted: it is the secret).
    const header = /\["?([\w-]+)"?\]/.exec(detail)?.[1] ?? 'a';
    return new KubeApiError(
      `cannot ${describeAction(a)}: the credentials of context "${t.context}" cannot be sent: the ${header} header would hold a character HTTP does not allow (a control character or line break in the token or token file?)`,
      'unauthorized',
      null,
      '',
    );
  }
  if (TLS_CODES.test(code) || /certificate|ssl|tls/i.test(detail)) {
    return new KubeApiError(
      `cannot ${describeAction(a)}: the TLS connection to ${t.server} failed (${code || 'TLS'}: ${detail}); check certificate-authority(-data), tls-server-name and the client certificate of context "${t.context}"`,
      'tls',
      null,
      detail,
    );
  }
  const via = t.proxy ? ` through its proxy ${t.proxy}` : '';
  return new KubeApiError(`cannot ${describeAction(a)}: cannot reach the API server ${t.server} of context "${t.context}"${via} (${detail})`, 'unreachable', null, detail);
}
