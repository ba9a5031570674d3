/**
 * kubeconfig `exec` credential plugins (kubelogin, gke-gcloud-auth-plugin, aws eks get-token), run the
 * way kubectl runs them. client-node's runner gives the plugin a stdin pipe that never closes and keeps
 * its stderr until it exits, so a plugin that asks for a login (a device code, a browser, a prompt) hung
 * the run without a word. Here the plugin's stderr reaches the user as it is written, it gets the
 * terminal only when one is there to answer (else it reads end-of-file at once), a plugin run without a
 * terminal has a time limit, and a credential is kept until it expires or the server refuses it.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Cluster } from '@kubernetes/client-node';
import type { Redactor } from './redact.js';

/** A plugin still running after this long is said to be waiting (once), with how to stop it. */
const EXEC_WAIT_NOTICE_MS = 10_000;
/** A plugin run without a terminal cannot be waiting for a person: after this long it has failed. */
const EXEC_TIMEOUT_MS = 60_000;
/** A credential is renewed this long before its expirationTimestamp (clocks and requests in flight). */
const EXPIRY_SKEW_MS = 10_000;
/** A plugin that writes part of a line and then pauses this long is taken to be prompting on it, and the part is shown. */
const PROMPT_PAUSE_MS = 200;
/** How much of a failed plugin's stderr its error quotes. */
const MAX_QUOTED = 1000;
/** A plugin stopped with SIGTERM that is still running after this long is killed: its open pipes would keep the run from ending. */
const KILL_AFTER_MS = 2_000;

/** What a plugin gave: a bearer token, or a client certificate and key (PEM). */
export interface ExecCredential {
  token: string | null;
  cert: string | null;
  key: string | null;
  /** Epoch ms after which it must not be used; null: until the server refuses it. */
  expiresAt: number | null;
}

/** The `exec` stanza of a kubeconfig user (client.authentication.k8s.io v1 or v1beta1). */
export interface ExecConfig {
  command: string;
  args?: string[];
  env?: { name: string; value: string }[] | null;
  apiVersion?: string;
  installHint?: string;
  provideClusterInfo?: boolean;
  interactiveMode?: 'Never' | 'IfAvailable' | 'Always';
}

/** What the runner needs besides the stanza. */
export interface ExecRunnerOptions {
  exec: ExecConfig;
  user: string;
  context: string;
  cluster: Cluster;
  redactor: Redactor;
  /** One line for the user (the plugin's stderr, the waiting notice); escaped by the caller. */
  notice(message: string): void;
  /** The whole run's stop: a plugin still running then is ended (one request giving up must not end a run others share). */
  stop: AbortSignal;
  /** True when standard input is a terminal a person can answer on. */
  stdinIsTerminal: boolean;
  /** For tests: the wait before the notice, the limit without a terminal, and the grace between SIGTERM and SIGKILL. */
  waitNoticeMs?: number;
  timeoutMs?: number;
  killAfterMs?: number;
  /** For tests: the clock the wait after a failed run is measured by, and that wait's first length (FAILED_RUN_WAIT_MS.first). */
  now?: () => number;
  failedRunWaitMs?: number;
}

/** A plugin failure, worded for the user (the caller makes it a credentials error, exit 3). */
class ExecCredentialError extends Error {}

/** The user's `exec` stanza (one with a command), or null when the user has none (client-node then does the rest). */
export function execStanza(exec: unknown): ExecConfig | null {
  const command: unknown = typeof exec === 'object' && exec !== null ? (exec as { command?: unknown }).command : undefined;
  return typeof command === 'string' ? (exec as ExecConfig) : null;
}

/** Text of several lines as one (their non-blank lines joined by ` / `), for a one-line message. */
function oneLine(text: string): string {
  return text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '').join(' / ');
}

/** The plugin's name for messages: the command's last path part. */
function pluginName(command: string): string {
  return command.split('/').pop() || command;
}

function clusterInfo(cluster: Cluster): Record<string, unknown> {
  let ca = cluster.caData;
  if (ca === undefined && cluster.caFile !== undefined) {
    try {
      ca = readFileSync(cluster.caFile).toString('base64');
    } catch {
      ca = undefined; // the TLS setup names an unreadable CA file itself
    }
  }
  const info: Record<string, unknown> = { server: cluster.server };
  if (ca !== undefined) info['certificate-authority-data'] = ca;
  if (cluster.skipTLSVerify) info['insecure-skip-tls-verify'] = true;
  if (cluster.tlsServerName !== undefined) info['tls-server-name'] = cluster.tlsServerName;
  return info;
}

/** The ExecCredential version a kubeconfig's exec stanza asks for when it names none. */
const DEFAULT_EXEC_VERSION = 'client.authentication.k8s.io/v1';

/**
 * Reads the plugin's stdout as an ExecCredential of the version the kubeconfig asked for; throws an ExecCredentialError
 * saying what is wrong. Another version is refused, as kubectl (client-go) refuses it: its fields may not mean what
 * this version's do. One that names none is read (an older plugin's habit).
 */
export function readCredential(stdout: string, name: string, apiVersion = DEFAULT_EXEC_VERSION): ExecCredential {
  let doc: unknown;
  try {
    doc = JSON.parse(stdout);
  } catch {
    throw new ExecCredentialError(`exec plugin ${name} did not print an ExecCredential (its output is not JSON)`);
  }
  const d = doc as { kind?: unknown; status?: Record<string, unknown> } | null;
  if (d === null || typeof d !== 'object' || d.kind !== 'ExecCredential' || typeof d.status !== 'object' || d.status === null) {
    throw new ExecCredentialError(`exec plugin ${name} did not print an ExecCredential (no kind ExecCredential with a status)`);
  }
  const version = (d as { apiVersion?: unknown }).apiVersion;
  if (version !== undefined && version !== apiVersion) {
    throw new ExecCredentialError(`exec plugin ${name} is configured for ${apiVersion} (the kubeconfig's exec apiVersion), but printed an ExecCredential of ${typeof version === 'string' ? version : JSON.stringify(version)}`);
  }
  const s = d.status;
  const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
  const token = text(s['token']);
  const cert = text(s['clientCertificateData']);
  const key = text(s['clientKeyData']);
  if (token === null && (cert === null || key === null)) {
    throw new ExecCredentialError(`exec plugin ${name} printed an ExecCredential with neither a token nor a client certificate and key`);
  }
  const expiry = text(s['expirationTimestamp']);
  const expiresAt = expiry === null ? null : Date.parse(expiry);
  if (expiresAt !== null && !Number.isFinite(expiresAt)) {
    throw new ExecCredentialError(`exec plugin ${name} printed an expirationTimestamp that is not a time: ${expiry}`);
  }
  return { token, cert, key, expiresAt };
}

/**
 * Of two credentials from overlapping runs, whether `a` is the one to keep: the later expiry, or (when
 * either has none, or they are the same) the run that started last, whatever order they finished in.
 */
function newer(a: { credential: ExecCredential; run: number }, b: { credential: ExecCredential; run: number }): boolean {
  const ea = a.credential.expiresAt;
  const eb = b.credential.expiresAt;
  return ea !== null && eb !== null && ea !== eb ? ea > eb : a.run > b.run;
}

/** Lines the plugin's runs say, kept to tell a repeat; past that many, new lines are still said. */
const MAX_SAID = 1000;

/**
 * How long a plugin that failed is not run again (its failure is given instead), doubling with each failure in a row up
 * to the most: every stream's request and retry asked for a credential, so a failing plugin (an expired SSO session) ran
 * several times a second for the whole run, each run a request to the identity provider.
 */
export const FAILED_RUN_WAIT_MS = { first: 1_000, most: 30_000 } as const;

/** Runs one user's exec plugin when its credential is needed, and keeps the credential while it is good. */
export class ExecCredentialRunner {
  /** The credential kept, and the number of the run that gave it. */
  private kept: { credential: ExecCredential; run: number } | null = null;
  private runs = 0;
  /** What the plugin's runs have said so far (bounded): a plugin failing on every run again says the same line each time. */
  private readonly said = new Set<string>();
  /** The last run's failure while it stands (until), and the wait it was given; null after a run that gave a credential. */
  private failed: { error: unknown; until: number; waited: number; runs: number } | null = null;
  readonly name: string;

  constructor(private readonly o: ExecRunnerOptions) {
    this.name = pluginName(o.exec.command);
  }

  /** The current credential: the kept one, or a new run of the plugin (`fresh`: the server refused the kept one). */
  async credential(fresh: boolean): Promise<ExecCredential> {
    const k = this.kept;
    if (!fresh && k !== null && this.renewAt(k.credential) > Date.now()) return k.credential;
    const now = this.o.now ?? Date.now;
    if (this.failed !== null && now() < this.failed.until) throw this.failed.error;
    this.kept = null;
    const running = this.run(this.o.stop);
    const run = this.runs; // counted as it began
    let got: ExecCredential;
    try {
      got = await running;
    } catch (error) {
      // Runs that overlapped (a renewal and a refusal's fresh run) and failed together are one failure: the wait
      // doubles only for a run begun after the last failure was counted.
      const f = this.failed;
      if (!this.o.stop.aborted && (f === null || run > f.runs)) {
        const waited = f === null ? this.o.failedRunWaitMs ?? FAILED_RUN_WAIT_MS.first : Math.min(f.waited * 2, FAILED_RUN_WAIT_MS.most);
        this.failed = { error, until: now() + waited, waited, runs: this.runs };
      }
      throw error;
    }
    this.failed = null;
    this.said.clear();
    this.o.redactor.add(got.token);
    this.o.redactor.add(got.key);
    if (this.kept === null || newer({ credential: got, run }, this.kept)) this.kept = { credential: got, run };
    return got;
  }

  /** When `c` is to be renewed (epoch ms): its expiry less a margin, or never (until the server refuses it). */
  renewAt(c: ExecCredential): number {
    return c.expiresAt === null ? Number.POSITIVE_INFINITY : c.expiresAt - EXPIRY_SKEW_MS;
  }

  /** Only the first run may ask a person (before the dashboard takes the terminal), and only when the stanza allows it. */
  private interactive(): boolean {
    const mode = this.o.exec.interactiveMode ?? 'IfAvailable';
    const can = this.runs === 0 && this.o.stdinIsTerminal;
    if (mode === 'Always' && !can) {
      throw new ExecCredentialError(
        `exec plugin ${this.name} of user "${this.o.user}" needs a terminal to ask for a login (interactiveMode: Always), ` +
          `but ${this.runs === 0 ? 'standard input is not one' : 'its credential ran out during the run'}: log in first (run it once by hand), or run egress-audit from a terminal`,
      );
    }
    return mode !== 'Never' && can;
  }

  private async run(signal: AbortSignal): Promise<ExecCredential> {
    const { exec } = this.o;
    const interactive = this.interactive();
    this.runs++;
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const e of exec.env ?? []) if (typeof e?.name === 'string') env[e.name] = String(e.value ?? '');
    const spec: Record<string, unknown> = { interactive };
    if (exec.provideClusterInfo === true) spec['cluster'] = clusterInfo(this.o.cluster);
    env['KUBERNETES_EXEC_INFO'] = JSON.stringify({ apiVersion: exec.apiVersion ?? DEFAULT_EXEC_VERSION, kind: 'ExecCredential', spec });
    const hint = typeof exec.installHint === 'string' && exec.installHint.trim() !== '' ? `: ${oneLine(exec.installHint)}` : '';
    const stdout = await runCredentialCommand({
      ...this.o, command: exec.command, args: Array.isArray(exec.args) ? exec.args.map(String) : [], env, interactive, label: `exec plugin ${this.name}`, installHint: hint, signal,
      commandLine: (message) => this.sayOnce(message),
    });
    return readCredential(stdout, this.name, exec.apiVersion ?? DEFAULT_EXEC_VERSION);
  }

  /**
   * Says a line of the plugin's unless a run since its last success said it already: every stream's retry ran a failing
   * plugin again, each run a line on stderr. Our own lines (still waiting for it) are always said.
   */
  private sayOnce(message: string): void {
    if (this.said.has(message)) return;
    if (this.said.size < MAX_SAID) this.said.add(message);
    this.o.notice(message);
  }
}

/** One run of a credential command (an exec plugin, a gcp auth-provider's cmd-path). */
export interface CredentialCommand {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** Whether it gets the terminal to ask a person on. */
  interactive: boolean;
  /** How messages name it: `exec plugin NAME`. */
  label: string;
  /** Said after "was not found" (the exec stanza's installHint, as `: hint`), or ''. */
  installHint?: string;
  user: string;
  context: string;
  redactor: Redactor;
  notice(message: string): void;
  /** Where the command's own stderr lines go (default: notice): a caller may hold back those its earlier runs said. */
  commandLine?(message: string): void;
  signal: AbortSignal;
  waitNoticeMs?: number;
  timeoutMs?: number;
  killAfterMs?: number;
}

/**
 * Runs a credential command as kubectl runs an exec plugin and resolves with its stdout once it exits 0.
 * Its stderr is shown line by line as written (a device-code login is for the user to act on now), and
 * quoted when it fails, both through Redactor.scrubOutput: a failing command may print a token the run
 * never learns. Without a terminal it runs in a process group of its own, so that its stop (time limit,
 * end of the run) ends what it started too (a shell script's `sleep`, a browser helper).
 */
export function runCredentialCommand(c: CredentialCommand): Promise<string> {
  const { label, redactor, notice, signal, interactive } = c;
  const say = (text: string): void => (c.commandLine ?? notice)(`${label}: ${redactor.scrubOutput(text)}`);
  const waitNoticeMs = c.waitNoticeMs ?? EXEC_WAIT_NOTICE_MS;
  const timeoutMs = c.timeoutMs ?? EXEC_TIMEOUT_MS;
  return new Promise<string>((resolve, reject) => {
    if (signal.aborted) return reject(new ExecCredentialError(`${label} was not run: the run is stopping`));
    let stdout = '';
    let stderr = '';
    let partial = '';
    let settled = false;
    // A group of its own only without a terminal: a plugin asking on the terminal must stay in its foreground group (Ctrl-C, reads).
    const child = spawn(c.command, c.args, { env: c.env, stdio: [interactive ? 'inherit' : 'ignore', 'pipe', 'pipe'], detached: !interactive });
    const finish = (error: Error | null, value?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(waitTimer);
      clearTimeout(limitTimer);
      signal.removeEventListener('abort', onAbort);
      if (error !== null) reject(error);
      else resolve(value as string);
    };
    const kill = (sig: NodeJS.Signals): void => {
      try {
        if (!interactive && child.pid !== undefined) process.kill(-child.pid, sig);
        else child.kill(sig);
      } catch {
        child.kill(sig); // the group is gone already
      }
    };
    const stop = (why: string): void => {
      kill('SIGTERM');
      // A plugin that ignores SIGTERM (a shell trap, a prompt) would hold its stdout and stderr pipes, and
      // with them the process, open after the run has ended.
      const killer = setTimeout(() => kill('SIGKILL'), c.killAfterMs ?? KILL_AFTER_MS).unref(); // the pipes, not this timer, keep the process up
      child.once('close', () => clearTimeout(killer));
      finish(new ExecCredentialError(why));
    };
    const onAbort = (): void => stop(`${label} was stopped: the run is stopping`);
    signal.addEventListener('abort', onAbort, { once: true });
    const waitTimer = setTimeout(() => {
      const how = interactive ? 'it may be waiting for a login (in a browser, or on this terminal); Ctrl-C stops' : `it has no terminal to ask on, and is stopped after ${Math.round(timeoutMs / 1000)}s`;
      notice(`still waiting for ${label} (user "${c.user}", context "${c.context}") after ${Math.round(waitNoticeMs / 1000)}s: ${how}`);
    }, waitNoticeMs);
    const limitTimer = interactive
      ? undefined
      : setTimeout(() => stop(`${label} gave no credential within ${Math.round(timeoutMs / 1000)}s (it had no terminal to ask for a login on: log in first, by running it once by hand)`), timeoutMs);
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d: string) => (stdout += d));
    let promptTimer: NodeJS.Timeout | undefined;
    child.stderr.on('data', (d: string) => {
      if (stderr.length < 64 * 1024) stderr += d;
      // Shown line by line as written: a device-code login's instructions are for the user to act on now.
      const lines = (partial + d).split(/\r?\n/);
      partial = lines.pop() ?? '';
      if (partial.length > 4096) partial = partial.slice(0, 4096);
      for (const line of lines) if (line.trim() !== '') say(line);
      clearTimeout(promptTimer);
      // A line left unfinished is a prompt waiting for its answer on that line ("Enter the code: "): shown once the plugin pauses.
      if (partial.trim() !== '') {
        promptTimer = setTimeout(() => {
          say(partial.trimEnd());
          partial = '';
        }, PROMPT_PAUSE_MS);
      }
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      // One line: messages are printed with control characters escaped, a newline as `\n`.
      const why = error.code === 'ENOENT' ? 'was not found' : error.code === 'EACCES' ? 'is not executable' : `could not be started (${error.code ?? error.message})`;
      finish(new ExecCredentialError(`${label.replace(/\S+$/, c.command)} of user "${c.user}" ${why}${c.installHint ?? ''}`));
    });
    child.on('close', (code, sig) => {
      clearTimeout(promptTimer);
      if (partial.trim() !== '') say(partial);
      if (code !== 0) {
        const tail = redactor.scrubOutput(oneLine(stderr).slice(-MAX_QUOTED));
        const how = code === null ? `was killed (${sig ?? 'signal'})` : `failed (exit ${code})`;
        return finish(new ExecCredentialError(redactor.scrub(`${label} of user "${c.user}" ${how}${tail === '' ? '' : `: ${tail}`}`)));
      }
      finish(null, stdout);
    });
  });
}
