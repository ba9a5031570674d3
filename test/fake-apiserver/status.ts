/**
 * `metav1.Status` error bodies exactly as the real apiserver words them. Each builder names the apimachinery
 * or apiserver function it mirrors, so a drift can be checked against the source.
 */

/** A `metav1.Status` failure body, as JSON-ready data. */
export interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: { continue?: string };
  status: 'Failure';
  message: string;
  reason: string;
  details?: Record<string, unknown>;
  code: number;
}

function status(code: number, reason: string, message: string, details?: Record<string, unknown>): StatusBody {
  const body: StatusBody = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
  if (details) body.details = details;
  return body;
}

/** 401 from the authentication filter (apiserver `endpoints/handlers/responsewriters.go` unauthorized; notes §3). */
export function unauthorized(): StatusBody {
  return status(401, 'Unauthorized', 'Unauthorized');
}

/** What an authorization check is about: the attributes `forbiddenMessage` reads. */
export interface AuthzAttributes {
  user: string;
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

/** 403 as `responsewriters.forbiddenMessage` + `errors.NewForbidden` word it (notes §3). */
export function forbidden(a: AuthzAttributes): StatusBody {
  const res = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const scope = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
  const why = `User "${a.user}" cannot ${a.verb} resource "${res}" in API group "${a.group}" ${scope}`;
  const qualified = a.group ? `${a.resource}.${a.group}` : a.resource;
  const subject = a.name ? `${qualified} "${a.name}"` : qualified;
  const details: Record<string, unknown> = { kind: a.resource };
  if (a.name) details.name = a.name;
  if (a.group) details.group = a.group;
  return status(403, 'Forbidden', `${subject} is forbidden: ${why}`, details);
}

/** 404 from `errors.NewNotFound(qualifiedResource, name)`: `pods "P" not found`, details {name, kind}. */
export function notFound(resource: string, name: string, group = ''): StatusBody {
  const qualified = group ? `${resource}.${group}` : resource;
  const details: Record<string, unknown> = { name, kind: resource };
  if (group) details.group = group;
  return status(404, 'NotFound', `${qualified} "${name}" not found`, details);
}

/** 404 for a path no handler serves (apiserver `NotFound` for unknown resources). */
export function noSuchResource(): StatusBody {
  return status(404, 'NotFound', 'the server could not find the requested resource', {});
}

/** 400 from `errors.NewBadRequest(msg)`: no details. */
export function badRequest(message: string): StatusBody {
  return status(400, 'BadRequest', message);
}

/** 405 for verbs the fake does not implement (apiserver `errors.NewMethodNotSupported` wording). */
export function methodNotAllowed(resource: string, verb: string): StatusBody {
  return status(405, 'MethodNotAllowed', `${verb} is not supported on resources of kind "${resource}"`, { kind: resource });
}

/** 410 from `errors.NewResourceExpired` (apimachinery `api/errors/errors.go`): reason Expired, no details. */
export function expired(message: string): StatusBody {
  return status(410, 'Expired', message);
}

/** The watch cache's too-old message (`watch_cache.go`: "too old resource version: %d (%d)"). */
export function tooOldResourceVersion(requested: number, oldest: number): StatusBody {
  return expired(`too old resource version: ${requested} (${oldest})`);
}

/** 504 from the cacher when a list asks for a resourceVersion the server has not reached yet. */
export function tooLargeResourceVersion(requested: number, current: number): StatusBody {
  const body = status(504, 'Timeout', `Too large resource version: ${requested}, current: ${current}`, {
    causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
    retryAfterSeconds: 1,
  });
  return body;
}

/** A `field.Error` for `NewInvalid`: `Field`, the error type, and its body text. */
export interface FieldError {
  field: string;
  type: 'FieldValueInvalid' | 'FieldValueForbidden';
  body: string;
}

/** 422 from `errors.NewInvalid(kind, name, errs)`: one cause per field error, aggregated message. */
export function invalid(kind: string, name: string, errs: FieldError[]): StatusBody {
  const texts = errs.map((e) => `${e.field}: ${e.body}`);
  const agg = texts.length === 1 ? texts[0] : `[${texts.join(', ')}]`;
  return status(422, 'Invalid', `${kind} "${name}" is invalid: ${agg}`, {
    name,
    kind,
    causes: errs.map((e) => ({ reason: e.type, message: e.body, field: e.field })),
  });
}

/** 500 for a bug inside the fake (`errors.NewInternalError` wording). */
export function internalError(err: unknown): StatusBody {
  return status(500, 'InternalError', `Internal error occurred: ${err instanceof Error ? err.message : String(err)}`, {
    causes: [{ message: err instanceof Error ? err.message : String(err) }],
  });
}
