/**
 * Every API request `watch` makes (GET only: read-only by construction), over node's http(s) with the
 * TLS material, headers and agent that client-node's `applyToHTTPSOptions` derives from the kubeconfig
 * (token, token file, client certificate, exec plugin, proxy). One transport for lists, watches and
 * pod logs gives every failure the server's Status message and one wording (api-errors.ts); client-node's
 * `Log` hangs on aborts and drops, and loses error bodies (kubernetes-api.md §4).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import http, { type IncomingMessage } from 'node:http';
import https, { type RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { VERSION } from '../../version.js';
import { notPlainSaid, plainText } from '../read-text.js';
import { describeAction, KubeApiError, refusedForGood, retryAfterSeconds, statusError, transportError, type ApiAction, type ApiTarget } from './api-errors.js';
import { sleep } from '../../sleep.js';
import { RETRY_AFTER_TRIES, retryAfterMs } from './backoff.js';
import type { ExecCredentialRunner } from './exec-credential.js';
import type { GcpTokenCommand } from './gcp-command.js';
import type { Redactor } from './redact.js';

/** Credentials are re-derived this often (a rotated token file is read again); exec plugins keep theirs until it expires (exec-credential.ts). */
const AUTH_TTL_MS = 30_000;
/** A request that is not a stream must have its answer's head within this long. */
const HEAD_TIMEOUT_MS = 30_000;
/** How much of an error answer's body is read (its Status message is short; an HTML page's start says enough). */
const MAX_ERROR_BODY = 64 * 1024;
/**
 * The largest JSON answer read (a list page, a pod, discovery). Lists come in pages of 500 (list-watch.ts):
 * 500 pods are a few MB, and even a server that ignores \`limit\` and sends 10,000 pods at once sends tens
 * of MB. 256 MiB is far above both, yet half of V8's longest string (512 MiB), past which decoding the body
 * would throw anyway; a server that sends more (or never stops) fails the request instead of the run's memory.
 */
export const MAX_JSON_BODY = 256 * 1024 * 1024;
/** The most a token file may hold: a service-account JWT is about 1 KiB; a path to /dev/zero or a log file must not hang the run. */
export const MAX_TOKEN_FILE_BYTES = 64 * 1024;
/**
 * How long the server must go on refusing credentials that renewing does not change (or that cannot be
 * renewed at all), with no request accepted meanwhile, before they count as refused for good: an identity
 * provider that hiccups (a token webhook, OIDC, an exec plugin's network) gives 401s too, and the streams'
 * owners retry through it with their back-off.
 */
export const REFUSED_FOR_GOOD_MS = 60_000;
/**
 * TCP keepalive on every API connection, log follows included: HTTP/1.1 has no ping, so after this long
 * without a segment the kernel probes the peer (libuv: 1 s apart, 10 probes), and a connection dropped
 * without FIN or RST (a NAT entry gone, the API server's host gone) fails within about 40 s, near
 * kubectl's HTTP/2 ping (30 s idle + 15 s). A dead path behind the API server is log-reader.ts's to see.
 */
export const KEEPALIVE_IDLE_MS = 30_000;

/** How a bounded read of a body ended: its text (at most the bound; past it, its start or nothing), and whether it was read to its end (`whole`) or stopped at the bound (`over`) or by an error. */
interface BoundedBody {
  text: string;
  end: 'whole' | 'over' | NodeJS.ErrnoException;
}

/**
 * Reads a body up to `max` bytes: one that goes on past it is not read further (the connection is
 * dropped), as a server that does not stop must not fill the memory; its first `max` bytes are kept
 * if `keepStart` (an error answer's start is worth quoting). Never rejects, and nothing it does in an
 * event handler can throw.
 */
function readBounded(res: IncomingMessage, max: number, keepStart: boolean): Promise<BoundedBody> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let size = 0;
    let settled = false;
    const done = (end: BoundedBody['end']): void => {
      if (settled) return;
      settled = true;
      try {
        resolve({ text: Buffer.concat(parts).toString('utf8'), end });
      } catch (error) {
        resolve({ text: '', end: error as NodeJS.ErrnoException }); // cannot happen within MAX_JSON_BODY; a throw here would be uncaught
      }
    };
    res.on('data', (c: Buffer) => {
      if (settled) return;
      if (size + c.length > max) {
        res.destroy();
        if (keepStart) parts.push(c.subarray(0, max - size));
        else parts.length = 0; // let go at once: it is not used
        return done('over');
      }
      parts.push(c);
      size += c.length;
    });
    res.once('end', () => done('whole'));
    res.once('error', (error: NodeJS.ErrnoException) => done(error));
    res.once('close', () => done(Object.assign(new Error('the connection closed before the answer ended'), { code: 'ECONNRESET' })));
  });
}

/** Waits for `start()` unless `signal` aborts first (then not started at all): a hung exec plugin must not outlive the stop. */
function untilAborted<T>(start: () => Promise<T>, signal: AbortSignal, aborted: () => Error): Promise<T> {
  if (signal.aborted) return Promise.reject(aborted());
  const promise = start();
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(aborted());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** A server or proxy URL fit for messages (its user, password, query and fragment left out: any may carry a token), or null. */
function withoutCredentials(url: string | undefined): string | null {
  if (url === undefined || url === '') return null;
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    u.search = '';
    u.hash = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return null;
  }
}

/** Request options derived once: good until `until`, and of the `generation` of forced re-reads they were derived in. */
interface Credentials {
  options: RequestOptions;
  until: number;
  generation: number;
  /** What the server is shown (the Authorization header, client certificate and key), to tell a renewal that gave the same again. */
  presented: string;
}

/** How a KubeHttp finds and renews its credentials, besides the kubeconfig. */
export interface KubeHttpAuth {
  /** The user's exec plugin, run here rather than by client-node (see exec-credential.ts), or null. */
  exec?: ExecCredentialRunner | null;
  /** The user's gcp auth-provider command, run here rather than by client-node (see gcp-command.ts), or null. */
  gcp?: GcpTokenCommand | null;
  /** The user's token file (a kubeconfig `tokenFile`, the in-cluster service account's), read here rather than by client-node, or null. */
  tokenFile?: string | null;
  /** Told once, with the message, when the server refuses the credentials and they cannot be renewed: every later request would be refused too. */
  onRefusedForGood?(message: string): void;
  /** REFUSED_FOR_GOOD_MS, unless a test shortens it. */
  refusedForGoodMs?: number;
}

/** What a set of request options shows the server as credentials (compared, never printed). */
function presented(options: RequestOptions): string {
  const headers = (options.headers ?? {}) as Record<string, unknown>;
  return JSON.stringify([headers['Authorization'] ?? headers['authorization'] ?? null, String(options.cert ?? ''), String(options.key ?? ''), options.auth ?? null]);
}

/** GETs against one API server as one user. */
export class KubeHttp {
  readonly target: ApiTarget;
  private readonly base: URL;
  /** The current credentials (until the TTL, or an exec credential's renewal time if sooner). */
  private current: Credentials | null = null;
  /** A routine re-read (the cached credentials ran out) in flight. */
  private routine: Promise<Credentials> | null = null;
  /** A forced re-read (the server refused the current credentials) in flight; every request waits for it. */
  private forced: Promise<Credentials> | null = null;
  /** How many forced re-reads have succeeded. */
  private generation = 0;
  /** Why the credentials cannot be renewed, once the server has refused them for good; every request then fails at once. */
  private refusedWhy: string | null = null;
  /** When a refusal that renewing did not get past was first seen, with no request accepted since, else null. */
  private refusedSince: number | null = null;
  /** The first request's error when the credentials were refused for good (safe to print), else null. */
  refusal: string | null = null;
  private readonly exec: ExecCredentialRunner | null;
  constructor(
    private readonly kc: KubeConfig,
    server: string,
    context: string,
    private readonly redactor: Redactor,
    private readonly auth: KubeHttpAuth = {},
  ) {
    this.exec = auth.exec ?? null;
    this.base = new URL(server);
    this.target = { server: withoutCredentials(server) ?? server, context, user: kc.getCurrentUser()?.name ?? null, proxy: withoutCredentials(kc.getCurrentCluster()?.proxyUrl) };
  }

  /**
   * Current credentials, cached briefly. `refused`: the ones a 401 answered; they are derived again (an
   * exec plugin told to run again) only if no forced re-read has succeeded since they were derived, so
   * that the 401s of many streams that used one expired token run the plugin once, not once each. A
   * routine re-read never stands in for a forced one: begun before the refusal, it may hand back the
   * very credential refused (an exec plugin's kept token), and the retry would fail again.
   */
  private credentials(refused: Credentials | null): Promise<Credentials> {
    if (refused !== null && refused.generation === this.generation) {
      this.forced ??= this.derive(true).finally(() => (this.forced = null));
      return this.forced;
    }
    if (this.forced !== null) return this.forced;
    const a = this.current;
    if (a !== null && Date.now() < a.until) return Promise.resolve(a);
    this.routine ??= this.derive(false).finally(() => (this.routine = null));
    return this.routine;
  }

  /**
   * Derives credentials (`fresh`: the server refused the current ones, a new generation). A routine
   * re-read keeps the generation it began in, and one that a forced re-read overtook does not put back
   * what may be the refused credential.
   */
  private async derive(fresh: boolean): Promise<Credentials> {
    const began = this.generation;
    const { options, until } = await this.requestOptions(fresh);
    if (fresh) this.generation++;
    const c: Credentials = { options, until, generation: fresh ? this.generation : began, presented: presented(options) };
    if (c.generation === this.generation) this.current = c;
    return c;
  }

  /** Request options from the kubeconfig (and the exec plugin, `fresh`: told the kept credential was refused), their secrets given to the redactor. */
  private async requestOptions(fresh: boolean): Promise<{ options: RequestOptions; until: number }> {
    const options: RequestOptions = { headers: {} };
    let until = Date.now() + AUTH_TTL_MS;
    try {
      await this.auth.gcp?.refresh(fresh);
      await this.kc.applyToHTTPSOptions(options);
      if (this.exec !== null) {
        const c = await this.exec.credential(fresh);
        if (c.token !== null) (options.headers as Record<string, string>)['Authorization'] = `Bearer ${c.token}`;
        if (c.cert !== null && c.key !== null) Object.assign(options, { cert: c.cert, key: c.key });
        until = Math.min(until, this.exec.renewAt(c));
      }
    } catch (error) {
      throw new KubeApiError(this.redactor.scrub(`cannot get credentials for context "${this.target.context}": ${(error as Error).message}`), 'unauthorized', null, '');
    }
    const headers = (options.headers ?? {}) as Record<string, unknown>;
    const file = this.tokenFile();
    if (file !== null) headers['Authorization'] = `Bearer ${this.readTokenFile(file)}`;
    // client-node sends a token file as read; kubectl trims it (`kubectl create token sa > file` ends in a newline).
    if (typeof headers['Authorization'] === 'string') headers['Authorization'] = headers['Authorization'].trim();
    this.redactor.addHeader(headers['Authorization'] ?? headers['authorization']);
    this.redactor.add(options.key);
    this.redactor.add(options.passphrase);
    if (typeof options.auth === 'string') this.redactor.add(options.auth.slice(options.auth.indexOf(':') + 1));
    return { options, until };
  }

  /** The current user's token file (a kubeconfig `tokenFile`, the in-cluster service account's), or null. */
  private tokenFile(): string | null {
    const file = this.auth.tokenFile;
    return typeof file === 'string' && file !== '' ? file : null;
  }

  /**
   * The token file read now: client-node keeps what it read for a minute, so a token rotated and the old one
   * refused (a 401) would be sent again and again until then. kubectl reads it again after a 401, as here.
   * Only a regular file of at most MAX_TOKEN_FILE_BYTES is read (`/dev/zero`, a FIFO or a huge file would hang
   * the run or fill its memory); an error names the file and the kubeconfig field, never what it holds.
   */
  private readTokenFile(file: string): string {
    const fail = (why: string): KubeApiError =>
      new KubeApiError(`cannot get credentials for context "${this.target.context}": its token file ${file} (the user's tokenFile) ${why}`, 'unauthorized', null, '');
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch (error) {
      throw fail(`cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    try {
      if (!fstatSync(fd).isFile()) throw fail('is not a regular file');
      // Read through a bound whatever the size said: the file may grow between the two.
      const buffer = Buffer.alloc(MAX_TOKEN_FILE_BYTES + 1);
      let length = 0;
      for (let n = -1; n !== 0 && length < buffer.length; length += n) n = readSync(fd, buffer, length, buffer.length - length, null);
      if (length > MAX_TOKEN_FILE_BYTES) throw fail(`holds more than ${MAX_TOKEN_FILE_BYTES / 1024} KiB, far more than a token`);
      // Gzip or UTF-16, kubectl reads as no token; a byte that is no UTF-8 would be read as U+FFFD, which no header may hold: named here, not taken for a control character.
      const read = plainText(buffer.subarray(0, length));
      if ('notPlain' in read) throw fail(`${notPlainSaid(read.notPlain)}, which kubectl does not read as a token: a token file holds the token as plain text`);
      if ('invalid' in read) throw fail(`is not valid UTF-8 at byte offset ${read.invalid.offset} (line ${read.invalid.line}): a token is ASCII, so this is no token file or it was damaged`);
      // UTF-8's mark (Notepad's "UTF-8 with BOM") dropped: client-go would send it in the header, and the server refuse the token.
      return read.text;
    } catch (error) {
      if (error instanceof KubeApiError) throw error;
      throw fail(`cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Why credentials the server refused, derived again after the refusal, cannot be renewed: they were the same
   * again (`renewal` null), or deriving them failed (`renewal`, that error). Said in the user's terms.
   */
  private notRenewable(renewal: KubeApiError | null): string {
    if (renewal !== null) return renewal.message;
    const file = this.tokenFile();
    if (file !== null) return `its token file ${file} was read again and holds the same token`;
    if (this.exec !== null) return `its exec plugin ${this.exec.name} was run again and gave the same credential`;
    const user = this.kc.getCurrentUser();
    const what = user?.token ? 'its token is' : user?.certData || user?.certFile ? 'its client certificate is' : user?.username ? 'its username and password are' : 'they are';
    return `${what} set in the kubeconfig, which is read once, at the start`;
  }

  /** Whether refusals that renewing did not get past have lasted long enough to be taken as final (this one starts the count if none is running). */
  private lasting(): boolean {
    const now = Date.now();
    this.refusedSince ??= now;
    return now - this.refusedSince >= (this.auth.refusedForGoodMs ?? REFUSED_FOR_GOOD_MS);
  }

  /** The credentials are refused for good: the owner is told once, and this request and every later one fail with `why`. */
  private refuse(action: ApiAction, why: string): KubeApiError {
    const error = refusedForGood(action, this.target, this.redactor.scrub(why));
    if (this.refusedWhy === null) {
      this.refusedWhy = why;
      this.refusal = error.message;
      this.auth.onRefusedForGood?.(error.message);
    }
    return error;
  }

  private url(path: string, query: Record<string, string>): URL {
    const url = new URL(this.base.toString());
    url.pathname = `${this.base.pathname.replace(/\/$/, '')}${path}`;
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    return url;
  }

  /**
   * Sends a GET; resolves with the response once a 2xx head arrives (its error events are already
   * handled: iterate it to see them). Non-2xx answers and transport failures reject with a KubeApiError.
   * A "Retry-After" answer is waited out and tried again here for plain requests only; a `stream` (a
   * watch, a log follow) gets it at once, as its owner retries with its own back-off (retryWait), so
   * waits never nest and a graceful stop is not held up by a wait on the hard-stop signal.
   */
  async open(action: ApiAction, path: string, query: Record<string, string>, signal: AbortSignal, stream: boolean): Promise<IncomingMessage> {
    const aborted = (): KubeApiError => transportError(action, Object.assign(new Error('aborted'), { name: 'AbortError' }), this.target);
    let refused: Credentials | null = null;
    for (let tries = 1; ; tries++) {
      if (this.refusedWhy !== null) throw refusedForGood(action, this.target, this.redactor.scrub(this.refusedWhy));
      let credentials: Credentials;
      try {
        credentials = await untilAborted(() => this.credentials(refused), signal, aborted);
      } catch (error) {
        // Refused, and no new credential can be had (an exec plugin failed, the token file is gone), for a while now: every
        // request would fail so. Counted too when a later request's routine renewal fails while the refusal lasts.
        if ((refused !== null || this.refusedSince !== null) && !signal.aborted && error instanceof KubeApiError && error.kind === 'unauthorized' && this.lasting()) throw this.refuse(action, this.notRenewable(error));
        throw error;
      }
      try {
        const response = await this.once(action, path, query, signal, stream, credentials.options);
        this.refusedSince = null;
        return response;
      } catch (error) {
        if (!(error instanceof KubeApiError)) throw error;
        if (error.kind === 'unauthorized' && error.status === 401) {
          if (refused === null) {
            refused = credentials; // a token may have rotated: derive it again, once
            continue;
          }
          // Refused twice, the second time with what deriving them again gave, and so for a while now: the same credentials cannot be renewed.
          if (credentials.presented === refused.presented && !signal.aborted && this.lasting()) throw this.refuse(action, this.notRenewable(null));
        }
        if (stream || error.retryAfterS === null || tries >= RETRY_AFTER_TRIES || signal.aborted) throw error;
        await sleep(retryAfterMs(error.retryAfterS), signal); // an abort ends the wait; the next try then says so
      }
    }
  }

  private once(action: ApiAction, path: string, query: Record<string, string>, signal: AbortSignal, stream: boolean, options: RequestOptions): Promise<IncomingMessage> {
    const url = this.url(path, query);
    const module = url.protocol === 'http:' ? http : https;
    const headers = { ...(options.headers as Record<string, string>), Accept: 'application/json, */*', 'User-Agent': `egress-audit/${VERSION}` };
    return new Promise<IncomingMessage>((resolve, reject) => {
      let req: http.ClientRequest;
      try {
        req = module.request(url, { ...options, method: 'GET', headers, signal });
      } catch (error) {
        // Refused before sending (a header Node will not write): the same worded error as a request that got no answer.
        reject(transportError(action, error as NodeJS.ErrnoException, this.target));
        return;
      }
      const fail = (error: KubeApiError): void => {
        req.destroy();
        reject(new KubeApiError(this.redactor.scrub(error.message), error.kind, error.status, this.redactor.scrub(error.detail), error.retryAfterS));
      };
      const timer = stream ? undefined : setTimeout(() => req.destroy(Object.assign(new Error(`no answer within ${HEAD_TIMEOUT_MS / 1000}s`), { code: 'ETIMEDOUT' })), HEAD_TIMEOUT_MS);
      req.on('socket', (socket) => socket.setKeepAlive(true, KEEPALIVE_IDLE_MS));
      req.on('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        fail(transportError(action, error, this.target));
      });
      req.on('response', (res) => {
        clearTimeout(timer);
        res.on('error', () => undefined); // surfaced by whoever iterates the body
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) return resolve(res);
        void readBounded(res, MAX_ERROR_BODY, true)
          .then(({ text }) => fail(statusError(action, status, text, this.target, retryAfterSeconds(status, res.headers['retry-after']))))
          .catch((error: NodeJS.ErrnoException) => fail(transportError(action, error, this.target))); // never an unhandled rejection
      });
      req.end();
    });
  }

  /** GETs a JSON document. */
  async getJson<T>(action: ApiAction, path: string, query: Record<string, string>, signal: AbortSignal): Promise<T> {
    const res = await this.open(action, path, query, signal, false);
    const body = await readBounded(res, MAX_JSON_BODY, false);
    if (body.end === 'over') {
      throw new KubeApiError(
        `cannot ${describeAction(action)}: the answer from ${this.target.server} (context "${this.target.context}") to GET ${path} is larger than ${MAX_JSON_BODY / 1024 / 1024} MiB, far more than a Kubernetes API server sends (a page of 500 pods is a few MB): is it one?`,
        'unavailable',
        200,
        '',
      );
    }
    if (body.end !== 'whole') throw transportError(action, body.end, this.target);
    try {
      return JSON.parse(body.text) as T;
    } catch {
      throw new KubeApiError(`cannot ${action.verb} ${path}: the answer from ${this.target.server} is not JSON (is it a Kubernetes API server?)`, 'unavailable', 200, '');
    }
  }

  /** Makes a message safe to print. */
  scrub(text: string): string {
    return this.redactor.scrub(text);
  }
}
