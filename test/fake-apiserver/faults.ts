/**
 * Server-side refusals that come before any handler runs: the priority-and-fairness (or max-in-flight)
 * filter's 429, and 5xx Status answers (an overloaded or restarting apiserver, a kubelet it cannot reach).
 * Wording and headers as the apiserver writes them:
 * - 429: `filters.tooManyRequests` → `Retry-After: <n>` and `http.Error(w, "Too many requests, please try
 *   again later.", 429)`: a text/plain body, not a Status (apiserver `server/filters/maxinflight.go`,
 *   `priority-and-fairness.go`). It runs after authentication, before authorization.
 * - 5xx: a Status from `errors.NewInternalError` / `NewServiceUnavailable` / `NewTimeoutError`; with
 *   `details.retryAfterSeconds`, `responsewriters.ErrorNegotiated` also sets the `Retry-After` header.
 * - `stall`: no answer at all, the connection held open. pods/log is a long-running request (no apiserver
 *   request timeout) proxied to the kubelet, so a kubelet that accepted the connection and hangs leaves
 *   the client waiting for the response head until it gives up.
 */
import { sendStatus, type RequestContext } from './http-util.js';
import { RuleList, type RuleTarget } from './auth.js';
import type { StatusBody } from './status.js';
import type { AccessRule } from './types.js';

/** A failure to inject: which requests (an AccessRule), what code, and the Retry-After seconds if any. */
export interface FaultRule extends AccessRule {
  code: 429 | 500 | 502 | 503 | 504 | 'stall';
  /** Seconds for the `Retry-After` header (429 always sends one: default 1). */
  retryAfter?: number;
}

const REASONS: Record<number, { reason: string; message: string }> = {
  500: { reason: 'InternalError', message: 'Internal error occurred: fake apiserver fault' },
  502: { reason: 'InternalError', message: 'Internal error occurred: error dialing backend: fake apiserver fault' },
  503: { reason: 'ServiceUnavailable', message: 'the server is currently unable to handle the request' },
  504: { reason: 'Timeout', message: 'Timeout: request did not complete within the allotted timeout' },
};

/** The test-controlled faults (add, clear), consumed per matching request. */
export class Faults extends RuleList<FaultRule> {
  /** Answers the request if a fault matches it (consuming one use); true when it did. */
  answer(ctx: RequestContext, t: RuleTarget): boolean {
    const rule = this.take(t);
    if (rule === undefined) return false;
    if (rule.code === 'stall') return true; // the socket is tracked by the server: close() and dropConnections() end it
    if (rule.code === 429) {
      ctx.rec.status = 429;
      const text = 'Too many requests, please try again later.\n';
      ctx.res.writeHead(429, { 'Retry-After': String(rule.retryAfter ?? 1), 'Content-Type': 'text/plain; charset=utf-8',
        'X-Content-Type-Options': 'nosniff', 'Content-Length': Buffer.byteLength(text) });
      ctx.res.end(text);
      return true;
    }
    const { reason, message } = REASONS[rule.code] as { reason: string; message: string };
    const body: StatusBody = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code: rule.code };
    if (rule.retryAfter !== undefined) body.details = { retryAfterSeconds: rule.retryAfter };
    sendStatus(ctx, body);
    return true;
  }
}
