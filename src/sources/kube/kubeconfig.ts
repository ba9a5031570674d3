/**
 * Credentials the kubectl way: `--kubeconfig`, else `$KUBECONFIG` (several files: the first file that
 * sets a name or the current context wins, duplicates are tolerated, missing files are skipped), else
 * `~/.kube/config`, else the in-cluster service account; then `--context`. Unlike client-node's
 * `loadFromDefault`, finding nothing is an error (exit 3), never a silent try of http://localhost:8080.
 * client-node is imported here, lazily: only `watch` pays for it (client-import.ts).
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import type { Cluster, Context, KubeConfig, User } from '@kubernetes/client-node';
import { parse as parseYaml } from 'yaml';
import { InputError } from '../../errors.js';
import { readFile as readBytes } from 'node:fs/promises';
import { notPlainSaid, plainText, type NotPlainText } from '../read-text.js';
import { invalidTextAt } from '../invalid-text.js';
import { escapeControl, quotedValue, shownName } from '../../text/escape.js';
import { importClientNode } from './client-import.js';
import { scrubUnlearnt } from './redact.js';
import { execStanza, type ExecConfig } from './exec-credential.js';
import { gcpCommand, type GcpProviderConfig } from './gcp-command.js';

/** The service-account files, under an optional root (EGRESS_AUDIT_IN_CLUSTER_ROOT, for tests and chroots). */
const SERVICE_ACCOUNT = 'var/run/secrets/kubernetes.io/serviceaccount';
/** The origin of the in-cluster configuration, in messages. */
const IN_CLUSTER = 'in-cluster service account';

/** What decides the configuration: the flags and the environment. */
export interface KubeconfigRequest {
  kubeconfig: string | null;
  context: string | null;
  env: NodeJS.ProcessEnv;
}

/** A usable configuration with its current context chosen. */
export interface LoadedKubeconfig {
  kc: KubeConfig;
  context: string;
  /** The context's namespace (in-cluster: the service account's), or null. */
  namespace: string | null;
  cluster: Cluster;
  user: User;
  /** The user's exec credential plugin, run by exec-credential.ts (taken out of `kc`, so client-node never runs it), or null. */
  exec: ExecConfig | null;
  /** The user's token file, read by kube-http.ts (taken out of `kc`, so client-node never reads it whole: it has no size cap), or null. */
  tokenFile: string | null;
  /** The user's gcp auth-provider `cmd-path` and the provider config client-node reads (the path taken out, so client-node never runs it: gcp-command.ts does), or null. */
  gcp: { command: string; config: GcpProviderConfig } | null;
  /** Where it came from, for messages: `--kubeconfig x`, `$KUBECONFIG`, `~/.kube/config`, `in-cluster service account`. */
  origin: string;
}

/** The named entries of one or more kubeconfig files. */
export interface ConfigParts {
  clusters: Cluster[];
  users: User[];
  contexts: Context[];
  currentContext: string | undefined;
}

function firstByName<T extends { name: string }>(lists: T[][]): T[] {
  const seen = new Map<string, T>();
  for (const list of lists) for (const item of list) if (!seen.has(item.name)) seen.set(item.name, item);
  return [...seen.values()];
}

/** kubectl's merge of `$KUBECONFIG` files: the first file to name a cluster/user/context or a current context wins. */
export function mergeFirstWins(parts: ConfigParts[]): ConfigParts {
  return {
    clusters: firstByName(parts.map((p) => p.clusters)),
    users: firstByName(parts.map((p) => p.users)),
    contexts: firstByName(parts.map((p) => p.contexts)),
    currentContext: parts.map((p) => p.currentContext).find((c) => typeof c === 'string' && c !== ''),
  };
}

type RawUser = { name?: unknown; user?: { tokenFile?: unknown; 'token-file'?: unknown } };

/** kubectl's `tokenFile` user field, which client-node does not read: put where client-node's in-cluster config puts its own (`choose` then hands it to kube-http.ts, which reads it every 30 s and after a 401). */
function withTokenFiles(users: User[], text: string, dir: string): User[] {
  let raw: { users?: RawUser[] };
  try {
    raw = (parseYaml(text) ?? {}) as { users?: RawUser[] };
  } catch {
    return users;
  }
  const files = new Map<string, string>();
  for (const u of raw.users ?? []) {
    const file = u.user?.tokenFile ?? u.user?.['token-file'];
    if (typeof u.name === 'string' && typeof file === 'string' && file !== '') files.set(u.name, isAbsolute(file) ? file : join(dir, file));
  }
  return users.map((u) => {
    const file = files.get(u.name);
    if (file === undefined || u.token || u.exec || u.authProvider) return u;
    return { ...u, authProvider: { name: 'tokenFile', config: { tokenFile: file } } };
  });
}

/** kubectl runs an exec plugin named by a relative path with a `/` (`./bin/auth`) from the kubeconfig's directory, not the working one. */
function withExecPaths(users: User[], dir: string): User[] {
  return users.map((u) => {
    const command: unknown = u.exec?.command;
    if (typeof command !== 'string' || isAbsolute(command) || !command.includes('/')) return u;
    return { ...u, exec: { ...u.exec, command: join(dir, command) } };
  });
}

async function newKubeConfig(): Promise<KubeConfig> {
  const k8s = await importClientNode();
  return new k8s.KubeConfig();
}

/**
 * A byte sequence that is no character would be read as U+FFFD, silently changing a token or a server URL: refused,
 * naming only where it is (the file holds credentials: none of its content is shown).
 */
function refuseInvalidText(path: string, invalid: string): never {
  throw new InputError(`kubeconfig ${shownName(path)}:${invalid}: a kubeconfig is read only as written, never with a byte mended (a token or a server URL would change); save it as UTF-8 (its content is not shown: it holds credentials)`);
}

/** Gzip or UTF-16, which other readers of a file a flag names take (read-text.ts) but kubectl does not: refused, as kubectl would, saying why. */
function refuseEncoded(path: string, kind: NotPlainText): never {
  const fix = kind === 'gzip' ? 'decompress it' : 'save it as UTF-8';
  throw new InputError(`kubeconfig ${shownName(path)}: ${notPlainSaid(kind)}, which kubectl does not read: a kubeconfig is read only as written, as plain UTF-8 text; ${fix} (its content is not shown: it holds credentials)`);
}

/** The kubeconfig's text, read only as written (plain UTF-8, as kubectl reads it): gzip, UTF-16 and bytes that are no UTF-8 are refused. */
async function readText(path: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readBytes(path);
  } catch (error) {
    throw new InputError(`kubeconfig ${shownName(path)}: ${cannotRead(error as NodeJS.ErrnoException)}`);
  }
  const read = plainText(bytes);
  if ('notPlain' in read) refuseEncoded(path, read.notPlain);
  if ('invalid' in read) refuseInvalidText(path, invalidTextAt(read.invalid, false));
  return read.text;
}

async function readFile(path: string): Promise<ConfigParts> {
  const kc = await newKubeConfig();
  const text = await readText(path);
  try {
    kc.loadFromString(text, { onInvalidEntry: 'filter' });
    kc.makePathsAbsolute(dirname(path));
  } catch (error) {
    // No I/O here (readText read the file): a YAML or kubeconfig shape error.
    throw new InputError(`kubeconfig ${shownName(path)}: not a valid kubeconfig (${escapeControl((error as Error).message.split('\n')[0] ?? '')})`);
  }
  return { clusters: kc.getClusters(), users: withExecPaths(withTokenFiles(kc.getUsers(), text, dirname(path)), dirname(path)), contexts: kc.getContexts(), currentContext: kc.getCurrentContext() };
}

/** Why a kubeconfig could not be read: no such file, or the system's error code. */
function cannotRead(e: NodeJS.ErrnoException): string {
  return e.code === 'ENOENT' ? 'no such file' : `cannot read (${e.code ?? e.message})`;
}

/** Which files to read and how to name them in messages; [] when none applies. */
function configFiles(req: KubeconfigRequest): { files: string[]; origin: string } {
  if (req.kubeconfig !== null) return { files: [req.kubeconfig], origin: `--kubeconfig ${req.kubeconfig}` };
  const list = req.env['KUBECONFIG'];
  if (list !== undefined && list !== '') {
    const named = list.split(delimiter).filter((f) => f !== '');
    const files = named.filter((f) => existsSync(f));
    if (files.length === 0) throw new InputError(`$KUBECONFIG names no file that exists (${shownName(named.join(delimiter))})`);
    return { files, origin: '$KUBECONFIG' };
  }
  const home = join(req.env['HOME'] || homedir(), '.kube', 'config');
  return existsSync(home) ? { files: [home], origin: '~/.kube/config' } : { files: [], origin: '' };
}

async function inCluster(env: NodeJS.ProcessEnv): Promise<{ kc: KubeConfig; origin: string } | null> {
  const root = env['EGRESS_AUDIT_IN_CLUSTER_ROOT'] ?? '';
  const token = join(root || '/', SERVICE_ACCOUNT, 'token');
  if (!existsSync(token)) return null;
  if (!env['KUBERNETES_SERVICE_HOST'] || !env['KUBERNETES_SERVICE_PORT']) {
    throw new InputError(`found the in-cluster service account token ${shownName(token)}, but KUBERNETES_SERVICE_HOST/KUBERNETES_SERVICE_PORT are not set`);
  }
  const kc = await newKubeConfig();
  const saved = { host: process.env['KUBERNETES_SERVICE_HOST'], port: process.env['KUBERNETES_SERVICE_PORT'] };
  process.env['KUBERNETES_SERVICE_HOST'] = env['KUBERNETES_SERVICE_HOST'];
  process.env['KUBERNETES_SERVICE_PORT'] = env['KUBERNETES_SERVICE_PORT'];
  try {
    kc.loadFromCluster(root.replace(/\/$/, ''));
  } finally {
    process.env['KUBERNETES_SERVICE_HOST'] = saved.host;
    process.env['KUBERNETES_SERVICE_PORT'] = saved.port;
    if (saved.host === undefined) delete process.env['KUBERNETES_SERVICE_HOST'];
    if (saved.port === undefined) delete process.env['KUBERNETES_SERVICE_PORT'];
  }
  return { kc: overHttps(kc), origin: IN_CLUSTER };
}

/**
 * client-node's in-cluster config speaks plain http when KUBERNETES_SERVICE_PORT is 80, 8080 or 8001;
 * client-go (kubectl, every in-cluster controller) always speaks https to the API service, with the
 * service account's CA. The service's port says nothing about its scheme: keep https.
 */
function overHttps(kc: KubeConfig): KubeConfig {
  reload(kc, { clusters: kc.getClusters().map((c) => ({ ...c, server: c.server.replace(/^http:\/\//, 'https://') })) });
  return kc;
}

/** Loads `kc` again with its clusters or users replaced (client-node has no setter for either), keeping its contexts and current context. */
function reload(kc: KubeConfig, replaced: { clusters?: Cluster[]; users?: User[] }): void {
  kc.loadFromOptions({
    clusters: replaced.clusters ?? kc.getClusters(),
    users: replaced.users ?? kc.getUsers(),
    contexts: kc.getContexts(),
    currentContext: kc.getCurrentContext(),
  });
}

const NO_CONFIG =
  'no Kubernetes configuration found: give --kubeconfig FILE, set $KUBECONFIG, create ~/.kube/config, or run in a pod with a service account (egress-audit never falls back to http://localhost:8080)';

/** Where an in-cluster server came from, for a message about it: the service's variables, not a file. */
function fromEnv(origin: string): string {
  return origin === IN_CLUSTER ? ' (made of KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT)' : '';
}

/**
 * An oidc user's `idp-issuer-url` as the URL object client-node's refresh hands to openid-client, which
 * takes nothing else (given the kubeconfig's string, it failed: `"server" must be an instance of URL`);
 * null for other users. One that is not a URL is an InputError naming the user.
 */
function oidcIssuer(user: User): URL | null {
  if (user.authProvider?.name !== 'oidc') return null;
  const issuer: unknown = (user.authProvider.config as Record<string, unknown> | undefined)?.['idp-issuer-url'];
  if (typeof issuer !== 'string' || issuer === '') return null;
  if (!URL.canParse(issuer)) throw new InputError(`user ${quotedValue(user.name)} has an oidc idp-issuer-url ${quotedValue(scrubUnlearnt(issuer))}, which is not a valid URL`);
  return new URL(issuer);
}

function choose(kc: KubeConfig, requested: string | null, origin: string): LoadedKubeconfig {
  const names = kc.getContexts().map((c) => c.name);
  const name = requested ?? kc.getCurrentContext();
  const shownOrigin = shownName(origin);
  const contexts = names.map(shownName).join(', ') || 'none';
  if (!name) throw new InputError(`${shownOrigin} sets no current context: pass --context NAME (contexts: ${contexts})`);
  const context = kc.getContextObject(name);
  if (!context) throw new InputError(`context ${quotedValue(name)} is not in ${shownOrigin} (contexts: ${contexts})`);
  const cluster = kc.getCluster(context.cluster);
  if (!cluster) throw new InputError(`context ${quotedValue(name)} names cluster ${quotedValue(context.cluster)}, which ${shownOrigin} does not define (or it has no server)`);
  if (!/^https?:\/\//.test(cluster.server)) throw new InputError(`cluster ${quotedValue(cluster.name)} has server ${quotedValue(scrubUnlearnt(cluster.server))}, which is not an https:// URL${fromEnv(origin)}`);
  if (!URL.canParse(cluster.server)) throw new InputError(`cluster ${quotedValue(cluster.name)} has server ${quotedValue(scrubUnlearnt(cluster.server))}, which is not a valid URL (a port above 65535, a space or another character a host name cannot hold?)${fromEnv(origin)}`);
  if (cluster.server.startsWith('http:') && !cluster.skipTLSVerify) {
    throw new InputError(`cluster ${quotedValue(cluster.name)} uses plain http://; set insecure-skip-tls-verify: true on it to allow that (e.g. for kubectl proxy)`);
  }
  kc.setCurrentContext(name);
  let user = kc.getUser(context.user);
  if (!user) {
    // kubectl allows a context without a user (anonymous); client-node then skips the CA, so add an empty one.
    user = { name: context.user || `${name}-anonymous` };
    reload(kc, { users: [...kc.getUsers(), user] });
  }
  const exec = execStanza(user.exec);
  const file: unknown = user.authProvider?.config?.['tokenFile'];
  const tokenFile = typeof file === 'string' && file !== '' ? file : null;
  const gcpPath = gcpCommand(user.authProvider);
  const issuer = oidcIssuer(user);
  let gcp: LoadedKubeconfig['gcp'] = null;
  if (exec !== null || tokenFile !== null || gcpPath !== null || issuer !== null) {
    let authProvider = tokenFile === null ? user.authProvider : undefined;
    if (issuer !== null) authProvider = { name: 'oidc', config: { ...(user.authProvider?.config as Record<string, string>), 'idp-issuer-url': issuer as unknown as string } };
    if (gcpPath !== null) {
      const config: GcpProviderConfig = { ...(user.authProvider?.config as GcpProviderConfig) };
      delete config['cmd-path'];
      authProvider = { name: 'gcp', config };
      gcp = { command: gcpPath, config };
    }
    const plain: User = { ...user, exec: exec === null ? user.exec : undefined, authProvider };
    reload(kc, { users: kc.getUsers().map((u) => (u.name === plain.name ? plain : u)) });
  }
  return { kc, context: name, namespace: context.namespace ?? null, cluster, user, exec, tokenFile, gcp, origin };
}

/** Loads the configuration kubectl would use; anything missing or invalid is an InputError (exit 3). */
export async function loadKubeconfig(req: KubeconfigRequest): Promise<LoadedKubeconfig> {
  const { files, origin } = configFiles(req);
  if (files.length > 0) {
    const parts: ConfigParts[] = [];
    for (const file of files) parts.push(await readFile(file));
    const merged = mergeFirstWins(parts);
    const kc = await newKubeConfig();
    kc.loadFromOptions(merged);
    return choose(kc, req.context, origin);
  }
  const cluster = await inCluster(req.env);
  if (cluster === null) throw new InputError(NO_CONFIG);
  return choose(cluster.kc, req.context, cluster.origin);
}
