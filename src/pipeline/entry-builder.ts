import { toRecord, type RecordView } from '../../parsers/index.js';
import type { Entry, Role, StreamInfo } from '../types.js';
import { ByteSink } from '../output/byte-sink.js';
import { sourcePrefix, writeRecordJson, type SourcePrefix } from '../output/record-json.js';
import { isoToMs } from './times.js';

/** Gives an entry its role: from the stream, or per pod inside a mixed (`kubectl logs --prefix`) stream. */
export type RoleLookup = (info: StreamInfo, pod: string | null) => Role;

/**
 * Turns a parsed line into an Entry for the engine: the record, its evidence location, its times
 * (start_time, or the envelope's write time minus the duration when there is none), its role and,
 * when a writer needs it, its record JSON (the very bytes `parse` prints).
 */
export class EntryBuilder {
  private readonly sink = new ByteSink(64 * 1024);
  private readonly prefix: SourcePrefix;

  constructor(
    private readonly info: StreamInfo,
    private readonly roleOf: RoleLookup,
    private readonly withJson: boolean,
  ) {
    this.prefix = sourcePrefix(info);
  }

  /** Builds the entry for the record in `view` (which the next line overwrites). */
  build(view: RecordView, lineNo: number, raw: string): Entry {
    const record = toRecord(view);
    const env = view.envelope;
    const pod = env?.pod ?? this.info.pod;
    const duration = record.duration ?? 0;
    let startMs = isoToMs(record.start_time);
    let endMs = startMs + duration;
    if (Number.isNaN(startMs) && env?.timestamp) {
      endMs = isoToMs(env.timestamp);
      startMs = endMs - duration;
    }
    let json = '';
    if (this.withJson) {
      this.sink.clear();
      writeRecordJson(this.sink, view, this.prefix, lineNo);
      json = this.sink.text();
    }
    return {
      record,
      format: view.format,
      file: this.info.name,
      line: lineNo,
      pod,
      namespace: env?.namespace ?? this.info.namespace,
      container: env?.container ?? this.info.container,
      timestamp: env?.timestamp ?? null,
      role: this.roleOf(this.info, pod),
      startMs,
      endMs,
      raw,
      json,
    };
  }
}
