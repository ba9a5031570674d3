/**
 * Header: what is being read, for how long, how fast, whether it is still running, and what fails the run so far.
 */
import { Box } from 'ink';
import { Line, type Row, type Segment } from './Line.js';
import type { DashboardHeader, ProgressSnapshot } from './snapshot.js';
import { compact, duration } from './text.js';
import { byteSize } from '../text/byte-size.js';
import type { Failing } from '../report/statements.js';
import { VERDICTS } from '../types.js';

/** Props of {@link Header}. */
export interface HeaderProps {
  header: DashboardHeader | null;
  progress: ProgressSnapshot;
  elapsedMs: number;
  linesPerSecond: number;
  paused: boolean;
  /** The person quit: the last frame says whether the run had finished. @default false */
  stopped?: boolean;
  /** Whether the run had finished when the person quit (it finishes afterwards too, writing its reports). @default progress.finished */
  finishedAtStop?: boolean;
  /** The run failed (an error it reports below the last frame): the frame must not be left saying reading. @default false */
  failed?: boolean;
  /** Keys work now: a frame drawn without them must not offer `q to quit` or `p resumes`. @default true */
  keys?: boolean;
  /** What fails the run so far (the store's failingOf), on the state row: it decides the exit code; and what a replacing --fail-on lets pass. @default none shown */
  failing?: Readonly<Failing>;
  /** Rows available: 2, or 1 on a short terminal (the state row alone). @default 2 */
  rows?: number;
  width: number;
  color: boolean;
}

/**
 * `failing: 3 (direct 3)`, `+ warning mixed-roles` after it when --fail-on names a coverage warning the run has, or
 * `failing: none`: the words of the result line printed below the last frame, which the exit code follows.
 */
export function failingText(f: Readonly<Failing>): string {
  const found = f.findings > 0 ? `${f.findings} (${f.byVerdict})` : '';
  const warned = f.warnings > 0 ? `${f.warnings === 1 ? 'warning' : 'warnings'} ${f.warningCodes.join(', ')}` : '';
  if (found === '' && warned === '') return 'failing: none';
  return `failing: ${[found, warned].filter((t) => t !== '').join(' + ')}`;
}

/**
 * `; 56 direct not failing`, `; 2 direct, mixed-roles not failing`, or '' when none: what the default --fail-on would
 * have failed that a replacing --fail-on lets pass (Failing.leftOut), which the result line states too; a verdict with
 * its count of findings, a coverage warning by its code.
 */
function leftOutText(f: Readonly<Failing>): string {
  const items = Object.entries(f.leftOut).map(([name, n]) => ((VERDICTS as readonly string[]).includes(name) ? `${n} ${name}` : name));
  return items.length === 0 ? '' : `; ${items.join(', ')} not failing`;
}

function failingSegments(f: Readonly<Failing> | undefined): Segment[] {
  if (f === undefined) return [{ text: '' }];
  return [
    { text: `  ${failingText(f)}`, tone: f.findings + f.warnings > 0 ? 'direct' : 'ok' },
    { text: leftOutText(f), tone: 'warn' },
  ];
}

function stateRow(props: HeaderProps): Row {
  const { header, progress } = props;
  const keys = props.keys ?? true;
  const paused = props.paused && props.stopped !== true && keys;
  const live = header?.mode === 'live';
  const finished = props.stopped === true ? (props.finishedAtStop ?? progress.finished) : progress.finished;
  const state = props.failed === true
    ? '■ failed (see below)'
    : props.stopped === true
    ? finished ? '■ finished' : live ? '■ stopped' : '■ stopped before the end'
    : finished ? (keys ? '■ finished, q to quit' : '■ finished') : live ? '● following' : '● reading';
  return [
    { text: 'egress-audit', tone: 'title' },
    { text: `  ${live ? 'LIVE' : 'REPLAY'} ${duration(props.elapsedMs)}  ` },
    { text: state, tone: props.failed === true ? 'alarm' : finished ? 'ok' : props.stopped === true ? 'warn' : 'info' },
    // Before the rest, so a narrow terminal cuts the description rather than what decides the exit code.
    ...failingSegments(props.failing),
    { text: paused ? '  PAUSED (p resumes)' : '', tone: 'warn' },
    { text: `  ${header?.description ?? 'starting…'}`, tone: 'dim' },
  ];
}

function countsRow(props: HeaderProps): Row {
  const { progress } = props;
  const row: Row = [
    { text: `lines ${compact(progress.lines)}` },
    { text: ` (${compact(props.linesPerSecond)}/s)`, tone: 'dim' },
    { text: `  records ${compact(progress.records)}` },
    { text: `  skipped ${compact(progress.skipped)}`, tone: progress.skipped > 0 ? 'warn' : 'plain' },
    { text: `  streams ${compact(progress.streams)}` },
  ];
  if (props.header?.mode === 'live') {
    row.push({ text: `  reconnects ${compact(progress.reconnects)}`, tone: progress.reconnects > 0 ? 'warn' : 'plain' });
  }
  // Bytes last: on a narrow terminal they are what gets cut.
  row.push({ text: `  read ${byteSize(progress.bytes)}` });
  return row;
}

/** Two rows: mode, elapsed time, state, what fails the run and input description; then line, record and stream counts. */
export function Header(props: HeaderProps) {
  const rows = props.rows ?? 2;
  if (rows <= 0) return null;
  return (
    <Box flexDirection="column">
      <Line row={stateRow(props)} width={props.width} color={props.color} />
      {rows >= 2 ? <Line row={countsRow(props)} width={props.width} color={props.color} /> : null}
    </Box>
  );
}
