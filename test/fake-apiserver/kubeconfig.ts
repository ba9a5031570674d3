/**
 * Writes kubeconfigs (and in-cluster service-account files) pointing at the fake, for kubectl and client-node.
 * Credentials are test-only; token files and the exec plugin's token follow `setToken` rotations.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import type { FakeTlsMaterial } from './tls.js';

/** Which credential a kubeconfig carries. */
export type KubeconfigUser = 'token' | 'exec' | 'client-cert' | 'token-file' | 'none';

/** Options for `writeKubeconfig`. */
export interface KubeconfigOptions {
  /** Default `token`. */
  user?: KubeconfigUser;
  /** Context name (also current-context). Default `fake`. */
  context?: string;
  /** The context's default namespace. */
  namespace?: string;
  /** Write the CA, client cert/key and token as files referenced by path instead of inline `*-data`. */
  extraFiles?: boolean;
  /** File name inside `dir`. Default `kubeconfig`. */
  fileName?: string;
  clusterName?: string;
  userName?: string;
  /** Server URL override (say, a closed port). */
  server?: string;
  /** Omit the CA and set `insecure-skip-tls-verify`. */
  insecureSkipTlsVerify?: boolean;
  /** Exec plugin adds `expirationTimestamp` now+N s (client-node caches the token only then; notes §4). */
  execExpirySeconds?: number;
}

/** Where `writeInClusterFiles` put things: pass `pathPrefix` to `loadFromCluster` and merge `env` into process.env. */
export interface InClusterFiles {
  pathPrefix: string;
  env: { KUBERNETES_SERVICE_HOST: string; KUBERNETES_SERVICE_PORT: string };
}

const PLUGIN = join(dirname(fileURLToPath(import.meta.url)), 'exec-credential-plugin.mjs');

/** Tracks files holding the current token so a rotation rewrites them all. */
export class CredentialFiles {
  private readonly tokenFiles = new Set<string>();

  constructor(private readonly stateDir: string, private token: string) {
    writeFileSync(join(stateDir, 'token'), token);
  }

  /** Rotates the token in the exec plugin's state and every token file written so far. */
  rotate(token: string): void {
    this.token = token;
    writeFileSync(join(this.stateDir, 'token'), token);
    for (const f of this.tokenFiles) writeFileSync(f, token);
  }

  /** How many times the exec plugin has run. */
  execRuns(): number {
    const log = join(this.stateDir, 'runs.log');
    return existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean).length : 0;
  }

  /** Writes a token file that follows rotations. */
  tokenFile(path: string): string {
    writeFileSync(path, this.token);
    this.tokenFiles.add(path);
    return path;
  }

  /** Args for the exec plugin entry. */
  execEntry(expirySeconds?: number): Record<string, unknown> {
    const args = [PLUGIN, this.stateDir];
    if (expirySeconds !== undefined) args.push(String(expirySeconds));
    return { apiVersion: 'client.authentication.k8s.io/v1', command: process.execPath, args,
      interactiveMode: 'Never', provideClusterInfo: false };
  }

  /** Current token (for inline kubeconfigs). */
  current(): string { return this.token; }
}

function userEntry(o: KubeconfigOptions, dir: string, tls: FakeTlsMaterial, creds: CredentialFiles): Record<string, unknown> {
  const kind = o.user ?? 'token';
  const file = (name: string, content: string): string => {
    const p = join(dir, name);
    writeFileSync(p, content);
    return p;
  };
  if (kind === 'token') return o.extraFiles ? { tokenFile: creds.tokenFile(join(dir, 'token')) } : { token: creds.current() };
  if (kind === 'token-file') return { tokenFile: creds.tokenFile(join(dir, 'token')) };
  if (kind === 'exec') return { exec: creds.execEntry(o.execExpirySeconds) };
  if (kind === 'client-cert') {
    return o.extraFiles
      ? { 'client-certificate': file('client.crt', tls.clientCertPem), 'client-key': file('client.key', tls.clientKeyPem) }
      : { 'client-certificate-data': b64(tls.clientCertPem), 'client-key-data': b64(tls.clientKeyPem) };
  }
  return {};
}

function b64(s: string): string {
  return Buffer.from(s).toString('base64');
}

/** Writes a kubeconfig for `url` into `dir` and returns its path. */
export function writeKubeconfigFile(dir: string, url: string, tls: FakeTlsMaterial, creds: CredentialFiles, o: KubeconfigOptions = {}): string {
  mkdirSync(dir, { recursive: true });
  const names = { cluster: o.clusterName ?? 'fake-cluster', user: o.userName ?? 'fake-user', context: o.context ?? 'fake' };
  const cluster: Record<string, unknown> = { server: o.server ?? url };
  if (o.insecureSkipTlsVerify) cluster['insecure-skip-tls-verify'] = true;
  else if (o.extraFiles) cluster['certificate-authority'] = writeAndReturn(join(dir, 'ca.crt'), tls.caPem);
  else cluster['certificate-authority-data'] = b64(tls.caPem);
  const context: Record<string, unknown> = { cluster: names.cluster, user: names.user };
  if (o.namespace) context.namespace = o.namespace;
  const doc = {
    apiVersion: 'v1', kind: 'Config', preferences: {},
    clusters: [{ name: names.cluster, cluster }],
    users: [{ name: names.user, user: userEntry(o, dir, tls, creds) }],
    contexts: [{ name: names.context, context }],
    'current-context': names.context,
  };
  const path = join(dir, o.fileName ?? 'kubeconfig');
  writeFileSync(path, stringify(doc), { mode: 0o600 });
  return path;
}

function writeAndReturn(path: string, content: string): string {
  writeFileSync(path, content);
  return path;
}

/** Writes `<root>/var/run/secrets/kubernetes.io/serviceaccount/{token,ca.crt,namespace}` for `loadFromCluster(root)`. */
export function writeInCluster(root: string, port: number, tls: FakeTlsMaterial, creds: CredentialFiles, namespace: string): InClusterFiles {
  const sa = join(root, 'var/run/secrets/kubernetes.io/serviceaccount');
  mkdirSync(sa, { recursive: true });
  creds.tokenFile(join(sa, 'token'));
  writeFileSync(join(sa, 'ca.crt'), tls.caPem);
  writeFileSync(join(sa, 'namespace'), namespace);
  return { pathPrefix: root, env: { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(port) } };
}
