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

/** Throws a UsageError when a stream of parse's records (`recordLogs`: its name -> the logs its records name) names a log that is itself one of `inputs`. */
export function refuseRecordsBesideTheirLogs(recordLogs: ReadonlyMap<string, readonly string[]>, inputs: readonly string[]): void {
  if (recordLogs.size === 0) return;
  const byPath = new Map<string, string>();
  for (const name of inputs) {
    const path = resolved(name);
    if (path !== null) byPath.set(path, name);
  }
  for (const [records, logs] of recordLogs) {
    for (const log of logs) {
      const path = resolved(log);
      const input = path === null ? undefined : byPath.get(path);
      if (input === undefined || input === records) continue;
      throw new UsageError(
        `${records} holds egress-audit parse's records of ${input}, which is also an input of this run: each of its entries would be audited twice. Give the logs or the records, not both (a role flag that names a log reads that log too)`,
      );
    }
  }
}
