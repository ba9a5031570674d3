import { createWriteStream, type WriteStream } from 'node:fs';
import type { AuditCommonOptions, OutputFormat } from '../cli/options.js';
import { InputError } from '../errors.js';
import { createWriter, type ReportWriter } from '../report/index.js';
import type { Report } from '../report/model.js';
import type { Flow } from '../types.js';

/** Every output of a run: the console (unless the dashboard owns the terminal) and each --report file. */
export interface Outputs {
  /** Streams one flow to every writer that wants flows. */
  flow(flow: Flow): void;
  /** Backpressure: resolves when every output has accepted what it was given. */
  drain(): Promise<void>;
  /** Writes the report everywhere and closes the files. */
  end(report: Report): Promise<void>;
  /** True when some output embeds each flow's record JSON (json, ndjson). */
  readonly needsRecordJson: boolean;
}

function openFile(path: string): Promise<WriteStream> {
  return new Promise((resolve, reject) => {
    const stream = createWriteStream(path);
    stream.once('open', () => resolve(stream));
    stream.once('error', (error: NodeJS.ErrnoException) => reject(new InputError(`--report ${path}: cannot write (${error.code ?? error.message})`)));
  });
}

function closeFile(stream: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.once('error', reject);
    stream.end(() => resolve());
  });
}

/** Opens the console writer (format, or none) and the report files; a file that cannot be created exits 3. */
export async function openOutputs(options: AuditCommonOptions, consoleFormat: OutputFormat | null): Promise<Outputs> {
  const writers: ReportWriter[] = [];
  const files: WriteStream[] = [];
  const formats: OutputFormat[] = [];
  const writerOptions = { color: options.color && process.stdout.isTTY === true, cwd: process.cwd() };
  if (consoleFormat !== null) {
    writers.push(createWriter(consoleFormat, process.stdout, writerOptions));
    formats.push(consoleFormat);
  }
  for (const target of options.report) {
    const file = await openFile(target.path);
    files.push(file);
    writers.push(createWriter(target.format, file, { ...writerOptions, color: false }));
    formats.push(target.format);
  }
  return {
    needsRecordJson: formats.includes('json') || formats.includes('ndjson'),
    flow(flow) {
      for (const w of writers) w.flow(flow);
    },
    async drain() {
      await Promise.all(writers.map((w) => w.drain()));
    },
    async end(report) {
      for (const w of writers) await w.end(report);
      await Promise.all(files.map(closeFile));
    },
  };
}
