/**
 * Parse's records read back beside the very logs they came from (`audit logs/ kept.ndjson`, or a role flag that
 * names a log the records hold and so reads it too): every entry would be audited twice, once from each, and the
 * doubled sidecar entry finds its gateway entry once only (a false via-gateway-unconfirmed). Copies are not told
 * line by line here (a record is no longer its line's text, and the log may have changed since), so the run is
 * refused, naming both, and the person gives one or the other.
 */
import { realpathSync } from 'node:fs';
import { UsageError } from '../errors.js';

/** The path a name resolves to on disk (links followed), or null when it names no file there (stdin, a missing file). */
function resolved(name: string): string | null {
  try {
    return realpathSync(name);
  } catch {
    return null;
  }
}

/**
 * The run's inputs by real path, asked about each log a stream of records names: before the audit for the logs
 * the role sample met (a records file is sampled to its end), and during it for a log first named past the sample
 * (records piped on stdin, where only the head is sampled).
 */
export class RecordsOfInputs {
  private readonly byPath = new Map<string, string>();

  constructor(inputs: readonly string[]) {
    for (const name of inputs) {
      const path = resolved(name);
      if (path !== null) this.byPath.set(path, name);
    }
  }

  /** Throws a UsageError when the records stream `records` names `log`, a log that is itself an input of this run. */
  check(records: string, log: string): void {
    if (this.byPath.size === 0) return;
    const path = resolved(log);
    const input = path === null ? undefined : this.byPath.get(path);
    if (input === undefined || input === records) return;
    throw new UsageError(
      `${records} holds egress-audit parse's records of ${input}, which is also an input of this run: each of its entries would be audited twice. Give the logs or the records, not both (a role flag that names a log reads that log too)`,
    );
  }

  /** check() for every log each records stream's sample named (`recordLogs`: its name -> those logs). */
  checkAll(recordLogs: ReadonlyMap<string, readonly string[]>): void {
    for (const [records, logs] of recordLogs) for (const log of logs) this.check(records, log);
  }
}
