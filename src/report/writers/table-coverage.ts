/** The coverage section of the table: what was read, what was skipped, and what the audit could not see. */
import type { Coverage, Summary } from '../model.js';
import { shownPath, shownValue, shownAdvice } from './table-text.js';
import type { Palette } from '../../text/color.js';
import { logTimeStatement, skippedStatement, warningFailure, windowCoverageStatement, WINDOW_SCOPE } from '../statements.js';
import { plural } from '../../text/plural.js';
import { labelled, wrap, WIDTH } from './layout.js';

/** Streams listed before "and N more". */
export const TABLE_MAX_STREAMS = 20;
const LABEL_WIDTH = 12;

function streams(coverage: Coverage): string[] {
  const lines = [`  streams (${coverage.streams.length})`];
  for (const s of coverage.streams.slice(0, TABLE_MAX_STREAMS)) {
    lines.push(...wrap(shownPath(s.name), WIDTH - 4).map((l) => `    ${l}`));
    const time = s.firstSeen === null ? '' : `, ${logTimeStatement(s)}`;
    const copies = s.duplicates === undefined ? '' : `, ${plural(s.duplicates, 'duplicate')} of other inputs' lines`;
    const others = s.otherContainers === undefined ? '' : `, ${s.otherContainers} from ${s.otherContainers === 1 ? 'a container' : 'containers'} other than the proxy's`;
    const pods = s.pods === undefined ? '' : `, ${s.pods} pods of this name`;
    const detail = `${s.role} (${shownValue(s.roleRule)}): ${plural(s.lines, 'line')}, ${plural(s.records, 'record')}${copies}${others}${pods}${time}`;
    lines.push(...wrap(detail, WIDTH - 6).map((l) => `      ${l}`));
  }
  const rest = coverage.streams.length - TABLE_MAX_STREAMS;
  if (rest > 0) lines.push(`    … and ${rest} more streams`);
  return lines;
}

function warnings(coverage: Coverage, summary: Summary, p: Palette): string[] {
  const lines: string[] = [];
  for (const w of coverage.warnings) {
    const why = warningFailure(summary, w.code);
    const fails = why !== null;
    const text = `${shownAdvice(w.message)}${fails ? ` [${w.code}: fails the run, ${why}]` : ` [${w.code}]`}`;
    const body = wrap(text, WIDTH - 4).map((l, i) => (i === 0 ? `  ! ${l}` : `    ${l}`));
    lines.push(...body.map((l) => (fails ? p.red(l) : p.yellow(l))));
  }
  return lines;
}

/** The section: line accounting, streams with their roles, unmatched entries, and the warnings as statements. */
export function coverageSection(coverage: Coverage, summary: Summary, p: Palette): string[] {
  const { lines } = coverage;
  const at = (label: string, text: string): string[] => labelled(2, label, LABEL_WIDTH, text);
  const read = `${lines.lines}, of which ${plural(lines.records, 'access-log record')}` + (lines.joinedPartials > 0 ? ` (${plural(lines.joinedPartials, 'partial line')} joined)` : '');
  const unmatched = `${plural(coverage.unmatchedSidecar, 'sidecar entry', 'sidecar entries')} and ${plural(coverage.unmatchedGateway, 'gateway entry', 'gateway entries')} waited for the other hop and found none; ${coverage.evicted} evicted before a join`;
  return [
    p.bold('COVERAGE'),
    ...at('lines read', read),
    ...at('skipped', skippedStatement(lines)),
    ...at('log time', logTimeStatement(coverage)),
    ...(coverage.window === null ? [] : [...at('window', windowCoverageStatement(coverage.window)), ...at('', WINDOW_SCOPE)]),
    ...at('unmatched', unmatched),
    ...streams(coverage),
    ...warnings(coverage, summary, p),
  ];
}
