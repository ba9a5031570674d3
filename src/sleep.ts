/**
 * The abortable sleep that replay pacing (pipeline/pace.ts) and the live source's retries (sources/kube)
 * share: a module of its own, so that neither layer imports the other for it.
 */

/** Resolves after `ms`, or at once when `signal` aborts (never rejects); on the global timer, so tests' fake clocks drive it. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
