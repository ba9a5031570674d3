/**
 * Authentication (bearer token or client certificate, else 401 as the authn filter answers; notes §3) and
 * test-controlled authorization rules producing 403s worded like `responsewriters.forbiddenMessage`.
 */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { AccessRule } from './types.js';

/** The authenticated caller, or why there is none. */
export interface AuthResult {
  user?: string;
  hasAuthorization: boolean;
  authScheme?: string;
  clientCert: boolean;
}

/** The request attributes a rule is matched against. */
export interface RuleTarget {
  verb: string;
  resource: string;
  namespace?: string;
  name?: string;
}

function listMatch(want: string | string[] | undefined, got: string): boolean {
  if (want === undefined) return true;
  return Array.isArray(want) ? want.includes(got) : want === got;
}

function ruleMatches(rule: AccessRule, t: RuleTarget): boolean {
  return listMatch(rule.verb, t.verb) && listMatch(rule.resource, t.resource) &&
    (rule.namespace === undefined || rule.namespace === t.namespace) && (rule.name === undefined || rule.name === t.name);
}

/** Rules that lapse after `times` requests or when removed: the 401 and 403 rules here, the injected faults (faults.ts). */
export class RuleList<R extends AccessRule> {
  private rules: { rule: R; remaining: number }[] = [];

  /** Adds a rule; returns its remover. */
  add(rule: R): () => void {
    const live = { rule, remaining: rule.times ?? Infinity };
    this.rules.push(live);
    return () => {
      live.remaining = 0;
    };
  }

  /** Drops every rule. */
  clear(): void {
    this.rules = [];
  }

  /** The first rule with uses left that covers the request, one use consumed; undefined when none does. */
  take(t: RuleTarget): R | undefined {
    const live = this.rules.find((r) => r.remaining > 0 && ruleMatches(r.rule, t));
    if (live === undefined) return undefined;
    live.remaining -= 1;
    return live.rule;
  }
}

/** Holds the accepted token and the deny rules; decides per request. */
export class AccessControl {
  private readonly forbidden = new RuleList<AccessRule>();
  private readonly unauthorized = new RuleList<AccessRule>();

  constructor(public token: string, readonly user: string) {}

  /** Who is calling: a valid bearer token wins, then a verified client certificate (CN = user). */
  authenticate(req: IncomingMessage): AuthResult {
    const header = req.headers.authorization;
    const socket = req.socket as TLSSocket;
    const cert = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate() : undefined;
    const clientCert = Boolean(cert && Object.keys(cert).length > 0);
    const result: AuthResult = { hasAuthorization: header !== undefined, clientCert };
    if (header !== undefined) {
      const [scheme, value] = header.split(' ', 2);
      result.authScheme = scheme;
      if (scheme === 'Bearer' && value === this.token) result.user = this.user;
      return result;
    }
    if (clientCert && socket.authorized && cert) result.user = String(cert.subject.CN);
    return result;
  }

  /** Adds a deny rule answered with 403; returns its remover. */
  addForbidden(rule: AccessRule): () => void {
    return this.forbidden.add(rule);
  }

  /** Adds a rule answered with 401 even for valid credentials; returns its remover. */
  addUnauthorized(rule: AccessRule): () => void {
    return this.unauthorized.add(rule);
  }

  /** Drops every rule. */
  clear(): void {
    this.forbidden.clear();
    this.unauthorized.clear();
  }

  /** 401, 403 or null (allowed) for a resource request; consumes one use of the matching rule. */
  decide(t: RuleTarget): 401 | 403 | null {
    return this.authenticated(t) ?? this.authorized(t);
  }

  /** The authentication step alone: 401 or null (consumes one use of a matching 401 rule). */
  authenticated(t: RuleTarget): 401 | null {
    return this.unauthorized.take(t) === undefined ? null : 401;
  }

  /** The authorization step alone: 403 or null (consumes one use of a matching 403 rule). */
  authorized(t: RuleTarget): 403 | null {
    return this.forbidden.take(t) === undefined ? null : 403;
  }
}
