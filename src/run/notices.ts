import { warnOnStderr } from '../sources/file-source.js';
import type { RunDashboard } from './dashboard-run.js';

/** Messages remembered for sayOnce: a run says few distinct ones (a follower says a repeated failure once). */
const MAX_REMEMBERED = 10_000;

/**
 * Messages for the person: straight to stderr, or, while the dashboard holds the terminal, shown on it
 * (a 403 or an exec plugin's login prompt cannot wait for the person to quit) and kept for stderr until
 * it has released the terminal.
 */
export class Notices {
  private held: string[] | null = null;
  private dashboard: RunDashboard | null = null;
  /** What has been said so far (bounded), so that the end of a run does not say it again. */
  private readonly said = new Set<string>();
  /** From now on, messages go to the dashboard and wait for stderr until `release`. */
  hold(dashboard: RunDashboard): void {
    this.held = [];
    this.dashboard = dashboard;
  }
  /** Says one message (escaped): on the dashboard while it holds the terminal, else on stderr. */
  say = (message: string): void => {
    if (this.said.size < MAX_REMEMBERED) this.said.add(message);
    this.dashboard?.notice(message);
    if (this.held !== null) this.held.push(message);
    else warnOnStderr(message);
  };
  /** Says a message unless it was already said (a stream's error, said as it happened, is not repeated at the end). */
  sayOnce(message: string): void {
    if (!this.said.has(message)) this.say(message);
  }
  /** The run failed (it is throwing): the dashboard lets go of the terminal at once, its frame saying failed, and what it held goes to stderr before the error. */
  afterFailure(): void {
    this.dashboard?.releaseAfterFailure();
    this.release();
  }
  /** The dashboard has let go of the terminal: what it held goes to stderr, in order, and later messages go straight there. */
  release(): void {
    for (const message of this.held ?? []) warnOnStderr(message);
    this.held = null;
    this.dashboard = null;
  }
}
