// API failure wording, credential scrubbing and kubectl's multi-file kubeconfig merge, without I/O.
import { describe, expect, it } from 'vitest';
import { alikeFailure, describeAction, endingError, KubeApiError, refusedForGood, statusError, transportError, type ApiAction } from '../../src/sources/kube/api-errors.js';
import { mergeFirstWins, type ConfigParts } from '../../src/sources/kube/kubeconfig.js';
import { Redactor } from '../../src/sources/kube/redact.js';
import { chooseVersion } from '../../src/sources/kube/service-entries.js';

const target = { server: 'https://10.0.0.1:6443', context: 'prod' };
const listShop: ApiAction = { verb: 'list', resource: 'pods', group: '', namespace: 'shop' };

describe('API failure wording', () => {
  it('names the missing permission on a 403', () => {
    const body = JSON.stringify({ kind: 'Status', code: 403, reason: 'Forbidden', message: 'pods is forbidden: User "ci" cannot list resource "pods" in API group "" in the namespace "shop"' });
    const e = statusError(listShop, 403, body, target);
    expect(e.kind).toBe('forbidden');
    expect(e.message).toMatch(/^cannot list pods in namespace shop: the ClusterRole needs pods: list \(see docs\/rbac\.yaml\); the API server said: pods is forbidden/);
  });

  it.each([
    ['a pod log', { verb: 'get', resource: 'pods/log', group: '', namespace: 'shop', name: 'cart-1' }, 'get the istio-proxy log of pod shop/cart-1', 'pods/log: get'],
    ['ServiceEntries everywhere', { verb: 'watch', resource: 'serviceentries', group: 'networking.istio.io', namespace: null }, 'watch serviceentries.networking.istio.io in all namespaces', 'serviceentries.networking.istio.io: watch'],
    ['one pod', { verb: 'get', resource: 'pods', group: '', namespace: 'shop', name: 'cart-1' }, 'get pod shop/cart-1', 'pods: get'],
  ] as [string, ApiAction, string, string][])('describes %s and its permission', (_case, action, what, permission) => {
    expect(describeAction(action)).toBe(what);
    expect(statusError(action, 403, '{}', target).message).toContain(`the ClusterRole needs ${permission}`);
  });

  it.each([
    ['401', 401, 'unauthorized', /rejected the credentials of context "prod" \(401 Unauthorized\)/],
    ['404', 404, 'not-found', /404 Not Found from https:\/\/10\.0\.0\.1:6443/],
    ['410', 410, 'expired', /HTTP 410/],
    ['400 waiting to start', 400, 'bad-request', /HTTP 400/],
    ['503', 503, 'unavailable', /HTTP 503/],
  ] as const)('classifies %s', (_case, status, kind, message) => {
    const e = statusError(listShop, status, '{"message":"x","reason":"y"}', target);
    expect(e.kind).toBe(kind);
    expect(e.message).toMatch(message);
  });

  it.each([
    ['a refused connection', { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 10.0.0.1:6443' }, 'unreachable', /cannot reach the API server https:\/\/10\.0\.0\.1:6443 of context "prod"/],
    ['an untrusted certificate', { code: 'SELF_SIGNED_CERT_IN_CHAIN', message: 'self-signed certificate in certificate chain' }, 'tls', /TLS connection to https:\/\/10\.0\.0\.1:6443 failed \(SELF_SIGNED_CERT_IN_CHAIN/],
    ['a name mismatch', { code: 'ERR_TLS_CERT_ALTNAME_INVALID', message: "Hostname/IP does not match certificate's altnames" }, 'tls', /tls-server-name/],
    ['an abort', { name: 'AbortError', code: 'ABORT_ERR', message: 'The operation was aborted' }, 'aborted', /^cannot list pods in namespace shop: the run was stopped before the request was answered$/],
  ])('words %s', (_case, error, kind, message) => {
    const e = transportError(listShop, Object.assign(new Error(error.message), error) as NodeJS.ErrnoException, target);
    expect(e.kind).toBe(kind);
    expect(e.message).toMatch(message);
  });

  it('names the server and context of a redirect, which is not followed (it said just "HTTP 302")', () => {
    const e = statusError(listShop, 302, '', target);
    expect(e.message).toBe('cannot list pods in namespace shop: the API server https://10.0.0.1:6443 of context "prod" answered with a redirect (HTTP 302), which is not followed: is the server URL that of a Kubernetes API server (not a login page or a proxy)?');
  });

  it('names the kubeconfig user a 401 refused, with its context (was the context alone), never more of it', () => {
    const log: ApiAction = { verb: 'get', resource: 'pods/log', group: '', namespace: 'shop', name: 'cart-1' };
    const asAlice = { ...target, user: 'alice@example.com' };
    expect(statusError(log, 401, '{}', asAlice).message).toBe(
      'cannot get the istio-proxy log of pod shop/cart-1: the API server https://10.0.0.1:6443 rejected the credentials of user "alice@example.com" of context "prod" (401 Unauthorized): the token, client certificate or exec-plugin credential is missing, expired or not accepted',
    );
    expect(refusedForGood(log, asAlice, 'its token is set in the kubeconfig').message).toContain('rejected the credentials of user "alice@example.com" of context "prod" (401 Unauthorized) and they cannot be renewed');
  });

  it('keeps two 403s apart when the API server refused them for different reasons (RBAC in two namespaces is one cause)', () => {
    const log = (namespace: string, name: string): ApiAction => ({ verb: 'get', resource: 'pods/log', group: '', namespace, name });
    const rbac = (ns: string, name: string): string =>
      alikeFailure(statusError(log(ns, name), 403, JSON.stringify({ message: `pods "${name}" is forbidden: User "ci" cannot get resource "pods/log" in API group "" in the namespace "${ns}"` }), target), log(ns, name));
    const policy = alikeFailure(statusError(log('shop', 'cart-3'), 403, JSON.stringify({ message: 'admission webhook "deny-logs.example.com" denied the request: log access is disabled' }), target), log('shop', 'cart-3'));
    expect(rbac('shop', 'cart-1')).toBe(rbac('billing', 'ledger-0'));
    expect(policy).not.toBe(rbac('shop', 'cart-1'));
    expect(policy).toContain('denied the request: log access is disabled');
  });

  it('says a failure without the pod its request was for, by the kind of request, so that streams failing alike share it', () => {
    const log = (name: string): ApiAction => ({ verb: 'get', resource: 'pods/log', group: '', namespace: 'shop', name });
    const forbidden = (name: string): string => alikeFailure(statusError(log(name), 403, JSON.stringify({ message: `pods "${name}" is forbidden` }), target), log(name));
    expect(forbidden('cart-1')).toBe('log requests refused (403 Forbidden): the ClusterRole needs pods/log: get (see docs/rbac.yaml); the API server said: pods "…" is forbidden');
    expect(forbidden('cart-2')).toBe(forbidden('cart-1'));
    expect(alikeFailure(statusError(log('cart-1'), 401, '{}', target), log('cart-1'))).toMatch(/^log requests refused: the API server https:\/\/10\.0\.0\.1:6443 rejected the credentials of context "prod" \(401 Unauthorized\)/);
    const pod: ApiAction = { verb: 'get', resource: 'pods', group: '', namespace: 'shop', name: 'cart-1' };
    expect(alikeFailure(statusError(pod, 503, '', target), pod)).toBe('requests to get pods failed: HTTP 503');
    // Credentials that could not be had name no request: alike as they are.
    const noCredentials = new KubeApiError('cannot get credentials for context "prod": exec plugin failed', 'unauthorized', null, '');
    expect(alikeFailure(noCredentials, log('cart-1'))).toBe(noCredentials.message);
  });
});

describe('credential scrubbing', () => {
  it('removes known tokens, Basic credentials and any bearer-looking value', () => {
    const r = new Redactor();
    r.addHeader('Bearer s3cr3t-token-value');
    r.addHeader(`Basic ${Buffer.from('admin:hunter22').toString('base64')}`);
    const text = r.scrub('token s3cr3t-token-value, password admin:hunter22, header Bearer abcdefghijklmnop');
    expect(text).not.toContain('s3cr3t-token-value');
    expect(text).not.toContain('hunter22');
    expect(text).not.toContain('abcdefghijklmnop');
  });

  it('removes from a command’s output any word shaped like a token, but not paths, hosts, API versions or a login URL', () => {
    const r = new Redactor();
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjF9.c2lnbmF0dXJlMTIzNDU2';
    const text = r.scrubOutput(
      `error: ya29.a0AfH6SMBx1234abcd expired; id ${jwt}; /usr/lib/google-cloud-sdk/bin/gke-gcloud-auth-plugin wants client.authentication.k8s.io/v1beta1 from ip-10-0-1-23.ec2.internal; see https://login.example/device?code=ABCD-1234`,
    );
    expect(text).toBe(
      'error: [redacted] expired; id [redacted]; /usr/lib/google-cloud-sdk/bin/gke-gcloud-auth-plugin wants client.authentication.k8s.io/v1beta1 from ip-10-0-1-23.ec2.internal; see https://login.example/device?code=ABCD-1234',
    );
  });
});

describe('kubeconfig merge of several $KUBECONFIG files', () => {
  const part = (tag: string, current?: string): ConfigParts => ({
    clusters: [{ name: 'shared', server: `https://${tag}`, skipTLSVerify: false }, { name: `only-${tag}`, server: `https://${tag}-only`, skipTLSVerify: false }],
    users: [{ name: 'shared' }],
    contexts: [{ name: 'ctx', cluster: 'shared', user: 'shared', namespace: tag }],
    currentContext: current,
  });

  it('keeps the first file’s entries for duplicate names and the first current-context, as kubectl does', () => {
    const merged = mergeFirstWins([part('a', 'from-a'), part('b', 'from-b')]);
    expect(merged.currentContext).toBe('from-a');
    expect(merged.clusters.map((c) => c.server)).toEqual(['https://a', 'https://a-only', 'https://b-only']);
    expect(merged.contexts).toEqual([{ name: 'ctx', cluster: 'shared', user: 'shared', namespace: 'a' }]);
  });

  it('takes the current context from a later file when the first sets none', () => {
    expect(mergeFirstWins([part('a'), part('b', 'from-b')]).currentContext).toBe('from-b');
  });
});

describe('networking.istio.io version choice', () => {
  it.each([
    ['the preferred version', { versions: [{ version: 'v1' }, { version: 'v1beta1' }], preferredVersion: { version: 'v1' } }, 'v1'],
    ['an older cluster', { versions: [{ version: 'v1alpha3' }], preferredVersion: { version: 'v1alpha3' } }, 'v1alpha3'],
    ['a known version when the preferred one is unknown', { versions: [{ version: 'v2' }, { version: 'v1beta1' }], preferredVersion: { version: 'v2' } }, 'v1beta1'],
    ['nothing usable', { versions: [{ version: 'v2' }] }, null],
  ])('picks %s', (_case, group, want) => {
    expect(chooseVersion(group)).toBe(want);
  });
});

describe('a failure that ends a watch, for stderr', () => {
  it('is escaped once, whole: a context with a literal \\n is told from one with a newline, and no control character is left', () => {
    const shown = (context: string): string => endingError(statusError(listShop, 401, '', { ...target, context })).lines.join('\n');
    const literal = shown('pro\\nd\u001b[2J');
    const newline = shown('pro\nd\u001b[2J');
    expect(literal).toContain('context "pro\\\\nd\\e[2J"');
    expect(newline).toContain('context "pro\\nd\\e[2J"');
    expect(`${literal}${newline}`).not.toMatch(/[\u0000-\u001f]/);
  });
});
