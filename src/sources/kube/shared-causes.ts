/**
 * A failure that no stream gets past alone (the credentials refused, the server's certificate not trusted) hits every
 * stream, and each of them retries it with its own back-off: said per request, a refusal that lasted a minute printed
 * some twenty lines per pod, alike but for the pod. Here such a cause is said once while it lasts (with the request it
 * first failed), and the streams and requests it hit are counted, for one line per cause at the end of the run.
 */
import { withoutRequest, type ApiAction, type FailureKind, type KubeApiError } from './api-errors.js';
import { plural } from '../../text/plural.js';

/** Failures of the run's credentials or of its connection's trust: the same for every request. */
const SHARED: readonly FailureKind[] = ['unauthorized', 'tls'];

/** Streams named in a cause's summary; the rest are counted. */
const NAMED = 5;

interface Cause {
  /** The failure without the request it failed (`the API server ... rejected the credentials of context "c" ...`), as it is shown: scrubbed. */
  text: string;
  /** Every stream it failed a request of, in order. */
  streams: Set<string>;
  /** Streams it failed that have neither read since nor ended: while any has not, the cause is still in force and not said again. */
  failing: Set<string>;
  requests: number;
}

/** The shared causes of a run's stream failures. */
export class SharedCauses {
  private readonly causes = new Map<string, Cause>();
  /** A stream's failure message, scrubbed as the report shows it → its cause (the messages a stream's `error` can hold, for summaryOf). */
  private readonly byMessage = new Map<string, Cause>();

  /**
   * `say`: how a message reaches the person (the run's notices); `scrub`: the run's credential scrubber, which every
   * stream's error passes through before the report: causes are told apart by what is shown, so two failures that differ
   * only in a secret are one cause, and a stream's error as the report holds it finds its cause.
   */
  constructor(
    private readonly say: (message: string) => void,
    private readonly scrub: (text: string) => string,
  ) {}

  /**
   * Records `stream`'s failed request `action`. True when its cause is a shared one: said here if it is not already in
   * force (the caller says nothing); false for any other failure, which the caller says as before.
   */
  failed(error: KubeApiError, action: ApiAction, stream: string): boolean {
    if (!SHARED.includes(error.kind)) return false;
    const text = this.scrub(withoutRequest(error, action) ?? error.message);
    let cause = this.causes.get(text);
    if (cause === undefined) {
      cause = { text, streams: new Set(), failing: new Set(), requests: 0 };
      this.causes.set(text, cause);
    }
    this.byMessage.set(this.scrub(error.message), cause);
    cause.requests++;
    cause.streams.add(stream);
    const inForce = cause.failing.size > 0;
    cause.failing.add(stream);
    if (!inForce) this.say(error.message);
    return true;
  }

  /**
   * `stream` read again, or ended (a pod deleted while it was refused): a cause none of its streams still fails is over,
   * and is said again if it comes back.
   */
  cleared(stream: string): void {
    for (const cause of this.causes.values()) cause.failing.delete(stream);
  }

  /** True when `message` (another request's failure, the run's refusal) is of a cause already said here. */
  covers(message: string): boolean {
    for (const cause of this.causes.values()) if (message.endsWith(`: ${cause.text}`) || message === cause.text) return true;
    return false;
  }

  /**
   * The one line that stands for `message` (a stream's last failure, scrubbed as the report shows it) when its cause is a shared one that failed more than
   * one request (one that failed a single request was said as it was), else null.
   */
  summaryOf(message: string): string | null {
    const cause = this.byMessage.get(message);
    return cause === undefined || cause.requests === 1 ? null : summary(cause);
  }
}

/** `<cause> (it failed 17 requests of 3 log streams: pods a/b, a/c, a/d)`. */
function summary(c: Cause): string {
  const names = [...c.streams];
  const shown = names.slice(0, NAMED).join(', ') + (names.length > NAMED ? ` and ${names.length - NAMED} more` : '');
  return `${c.text} (it failed ${plural(c.requests, 'request')} of ${plural(names.length, 'log stream')}: ${names.length === 1 ? 'pod' : 'pods'} ${shown})`;
}
