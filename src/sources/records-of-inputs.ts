/**
 * Parse's records read back beside the very logs they came from (`audit logs/ kept.ndjson`, or a role flag that
 * names a log the records hold and so reads it too): every entry would be audited twice, once from each, and the
 * doubled sidecar entry finds its gateway entry once only (a false via-gateway-unconfirmed). Copies are not told
 * line by line here (a record is no longer its line's text, and the log may have changed since), so the run is
 * refused, naming both, and the person gives one or the other. A role flag naming such a log that is not there
 * (the logs elsewhere) names no input: it gives the records their role, and its file is taken out of the inputs.
 */
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../errors.js';
import type { LogStream, RoleAssignment } from '../types.js';
import { shownName } from '../text/escape.js';

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
      `${shownName(records)} holds egress-audit parse's records of ${shownName(input)}, which is also an input of this run: each of its entries would be audited twice. Give the logs or the records, not both (a role flag that names a log reads that log too)`,
    );
  }

  /** check() for every log each records stream's sample named (`recordLogs`: its name -> those logs). */
  checkAll(recordLogs: ReadonlyMap<string, readonly string[]>): void {
    for (const [records, logs] of recordLogs) for (const log of logs) this.check(records, log);
  }
}

/**
 * `streams` without the files a role flag alone names that are not there but that a records stream names as a
 * source (`audit kept.ndjson --gateway logs/gw.log`, the logs left on another machine): the flag gives those records
 * their role (file-source.ts recordSources), and the file itself is no input, so it is no stream error either; its
 * sampled role is taken out of `assignments`. A missing file no records name stays, and fails when read (exit 3).
 */
export function withoutFlaggedRecordLogs(streams: LogStream[], recordLogs: ReadonlyMap<string, readonly string[]>, assignments: Map<string, RoleAssignment>): LogStream[] {
  const named = new Set([...recordLogs.values()].flat().map((log) => resolve(log)));
  return streams.filter((s) => {
    const meant = s.absentFlagged === true && named.has(resolve(s.info.name));
    if (meant) assignments.delete(s.info.name);
    return !meant;
  });
}
