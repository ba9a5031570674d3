/**
 * The `gcp` auth-provider's `cmd-path` (`gcloud config config-helper`), run here rather than by client-node:
 * client-node runs it with `execSync`, which blocks the process, passes its stderr to the terminal raw
 * (escape sequences included) and quotes that stderr, tokens and all, in its error. Here it runs as an exec
 * plugin runs (runCredentialCommand: its stderr escaped by the caller and scrubbed, a time limit), and only
 * the token it prints on stdout is used, never shown.
 */
import type { Redactor } from './redact.js';
import { runCredentialCommand } from './exec-credential.js';

/** The `config` of a kubeconfig user's `auth-provider: {name: gcp}`: client-node reads `access-token` and `expiry` from it. */
export type GcpProviderConfig = Record<string, string | undefined>;

/** What the runner needs besides the provider's config. */
export interface GcpCommandOptions {
  user: string;
  context: string;
  redactor: Redactor;
  /** One line for the user (the command's stderr); escaped by the caller. */
  notice(message: string): void;
  /** The whole run's stop: a command still running then is ended. */
  stop: AbortSignal;
  /** For tests: the limit on a run. */
  timeoutMs?: number;
}

/** The user's gcp `cmd-path` (taken out of the kubeconfig client-node reads, so it never runs it), or null. */
export function gcpCommand(authProvider: { name?: unknown; config?: unknown } | undefined): string | null {
  if (authProvider?.name !== 'gcp' || typeof authProvider.config !== 'object' || authProvider.config === null) return null;
  const path: unknown = (authProvider.config as Record<string, unknown>)['cmd-path'];
  return typeof path === 'string' && path !== '' ? path : null;
}

/** A value of `doc` at a kubectl JSONPath of plain fields (`{.credential.access_token}`), as text, or null. */
function field(doc: unknown, path: string): string | null {
  const inner = /^\{\.?(.*)\}$/.exec(path.trim())?.[1] ?? path;
  let at: unknown = doc;
  for (const key of inner.split('.').filter((k) => k !== '')) at = typeof at === 'object' && at !== null ? (at as Record<string, unknown>)[key] : undefined;
  return typeof at === 'string' && at !== '' ? at : null;
}

/** Renews the gcp access token in the provider's config (which client-node then sends) when it has expired, by running its `cmd-path`. */
export class GcpTokenCommand {
  readonly name: string;
  constructor(
    private readonly command: string,
    private readonly config: GcpProviderConfig,
    private readonly o: GcpCommandOptions,
  ) {
    this.name = command.split('/').pop() || command;
    o.redactor.add(config['access-token']);
  }

  /** client-node's test: no token, or an expiry that has passed. */
  private expired(): boolean {
    const token = this.config['access-token'];
    const expiry = this.config['expiry'];
    if (!token) return true;
    return expiry !== undefined && expiry !== '' && Date.parse(expiry) < Date.now();
  }

  /** Runs the command if the token has expired, or `fresh` (the server refused it); throws a message fit to print if that fails. */
  async refresh(fresh: boolean): Promise<void> {
    if (!fresh && !this.expired()) return;
    const label = `gcp auth-provider command ${this.name}`;
    const stdout = await runCredentialCommand({
      command: this.command,
      // kubectl's gcp provider split cmd-args on white space, and ran no shell.
      args: (this.config['cmd-args'] ?? '').split(/\s+/).filter((a) => a !== ''),
      env: process.env,
      interactive: false,
      label,
      user: this.o.user,
      context: this.o.context,
      redactor: this.o.redactor,
      notice: this.o.notice,
      signal: this.o.stop,
      timeoutMs: this.o.timeoutMs,
    });
    let doc: unknown;
    try {
      doc = JSON.parse(stdout);
    } catch {
      throw new Error(`${label} did not print JSON (its output is not shown: it may hold a token)`);
    }
    const tokenKey = this.config['token-key'] ?? '{.access_token}';
    const token = field(doc, tokenKey);
    if (token === null) throw new Error(`${label} printed JSON without a token at ${tokenKey} (the auth-provider's token-key)`);
    this.o.redactor.add(token);
    this.config['access-token'] = token;
    const expiry = field(doc, this.config['expiry-key'] ?? '{.token_expiry}');
    if (expiry === null) delete this.config['expiry'];
    else this.config['expiry'] = expiry;
  }
}
