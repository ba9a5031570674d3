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

interface LiveRule extends AccessRule {
  remaining: number;
}

function listMatch(want: string | string[] | undefined, got: string): boolean {
  if (want === undefined) return true;
  return Array.isArray(want) ? want.includes(got) : want === got;
}

/** True when a rule with uses left covers the request; shared with the injected faults (faults.ts). */
export function ruleMatches(rule: LiveRule, t: RuleTarget): boolean {
  return rule.remaining > 0 && listMatch(rule.verb, t.verb) && listMatch(rule.resource, t.resource) &&
    (rule.namespace === undefined || rule.namespace === t.namespace) && (rule.name === undefined || rule.name === t.name);
}

/** Holds the accepted token and the deny rules; decides per request. */
export class AccessControl {
  private forbidden: LiveRule[] = [];
  private unauthorized: LiveRule[] = [];

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
    return this.add(this.forbidden, rule);
  }

  /** Adds a rule answered with 401 even for valid credentials; returns its remover. */
  addUnauthorized(rule: AccessRule): () => void {
    return this.add(this.unauthorized, rule);
  }

  /** Drops every rule. */
  clear(): void {
    this.forbidden = [];
    this.unauthorized = [];
  }

  /** 401, 403 or null (allowed) for a resource request; consumes one use of the matching rule. */
  decide(t: RuleTarget): 401 | 403 | null {
    return this.authenticated(t) ?? this.authorized(t);
  }

  /** The authentication step alone: 401 or null (consumes one use of a matching 401 rule). */
  authenticated(t: RuleTarget): 401 | null {
    return this.consume(this.unauthorized, t) ? 401 : null;
  }

  /** The authorization step alone: 403 or null (consumes one use of a matching 403 rule). */
  authorized(t: RuleTarget): 403 | null {
    return this.consume(this.forbidden, t) ? 403 : null;
  }

  private add(list: LiveRule[], rule: AccessRule): () => void {
    const live: LiveRule = { ...rule, remaining: rule.times ?? Infinity };
    list.push(live);
    return () => {
      live.remaining = 0;
    };
  }

  private consume(list: LiveRule[], t: RuleTarget): boolean {
    const rule = list.find((r) => ruleMatches(r, t));
    if (!rule) return false;
    rule.remaining -= 1;
    return true;
  }
}
