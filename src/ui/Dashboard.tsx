/**
 * Dashboard: the one component that reads the store, handles keys and owns the interaction state
 * (focus, selection, filter, sort, pause, detail, help). Everything it draws is a pure child.
 */
import { Box, useApp, useStdin } from 'ink';
import { useEffect, useMemo, useRef, useState } from 'react';
import type { DestinationSummary } from '../report/model.js';
import type { Flow } from '../types.js';
import { CoverageBar, coverageBarRows } from './CoverageBar.js';
import { DestinationTable } from './DestinationTable.js';
import { detailRows } from './detail-rows.js';
import { FindingsFeed } from './FindingsFeed.js';
import { FlowDetail } from './FlowDetail.js';
import { Header } from './Header.js';
import { HelpOverlay, helpRows } from './HelpOverlay.js';
import { KeyBar } from './KeyBar.js';
import { computeLayout, type Layout } from './layout.js';
import type { DashboardSnapshot, FeedItem } from './snapshot.js';
import type { DashboardStore } from './store.js';
import type { KeyPress } from './keys.js';
import { scrollPageRows } from './ScrollView.js';
import { INITIAL_UI, reduceKey, selectedIndex, type KeyContext, type Panel, type UiState } from './ui-state.js';
import { useKeyPresses } from './use-key-presses.js';
import { useSnapshot, useTerminalSize } from './use-terminal.js';
import { VerdictCounters } from './VerdictCounters.js';
import { filterDestinations, filterFindings, SORT_LABELS, sortDestinations } from './view.js';

/** Props of {@link Dashboard}. */
export interface DashboardProps {
  store: DashboardStore;
  color: boolean;
  /**
   * Called when the person quits (q, Ctrl-C): the dashboard stays drawn, keys off, until the run has
   * finished and unmounts it, so the last frame shows the final counts. Without it, quitting exits Ink at once.
   */
  onQuit?: () => void;
  /** The run was stopped otherwise than by a key (a signal): the frames say stopped, as after q. @default false */
  stopRequested?: boolean;
  /** The frame to leave on the terminal: drawn from the store as it is now, not from the last (throttled) notification. @default false */
  final?: boolean;
  /** The run failed: the last frame says so (its error is printed below it). @default false */
  failed?: boolean;
}

/** The filtered, sorted lists one frame shows. */
interface ListsView {
  destinations: readonly DestinationSummary[];
  findings: readonly FeedItem[];
  destinationKeys: readonly string[];
  findingIds: readonly number[];
}

function listsView(all: Pick<DashboardSnapshot, 'destinations' | 'findings'>, filter: string, sort: UiState['sort']): ListsView {
  const destinations = sortDestinations(filterDestinations(all.destinations, filter), sort);
  const findings = filterFindings(all.findings, filter);
  return {
    destinations,
    findings,
    destinationKeys: destinations.map((d) => d.destination),
    findingIds: findings.map((f) => f.id),
  };
}

function keyContext(store: DashboardStore, lists: ListsView, ui: UiState, layout: Layout, width: number): KeyContext {
  return {
    destinations: lists.destinationKeys,
    findings: lists.findingIds,
    flowOf: (panel: Panel, index: number): Flow | undefined => {
      if (panel === 'findings') return lists.findings[index]?.flow;
      const d = lists.destinations[index];
      return d ? store.sampleFlow(d.destination) : undefined;
    },
    detailRows: ui.help ? helpRows(width).length : ui.detail ? detailRows(ui.detail, width).length : 0,
    pageRows: ui.help || ui.detail ? scrollPageRows(layout.main) : Math.max(1, (ui.focus === 'destinations' ? layout.destinations - 2 : layout.findings - 1)),
  };
}

/** Routes key presses through the reducer; several keys in one event each see the previous one's result. */
function useKeys(ui: UiState, setUi: (next: UiState) => void, context: (ui: UiState) => KeyContext, refresh: () => void, active: boolean, quit: () => void): void {
  const uiRef = useRef(ui);
  uiRef.current = ui;
  useKeyPresses((presses: KeyPress[]) => {
    let next: UiState = uiRef.current;
    for (const { input, key } of presses) {
      const after = reduceKey(next, input, key, context(next));
      if (after === 'quit') return quit();
      next = after;
    }
    if (next === uiRef.current) return;
    // Resuming shows what was counted meanwhile in the same repaint.
    if (uiRef.current.paused && !next.paused) refresh();
    uiRef.current = next;
    setUi(next);
  }, active);
}

/**
 * Why no key works, said in the key bar instead of hints that would do nothing; null while keys work. The frame left on
 * the terminal says nothing: the header says how the run ended, and the prompt follows.
 */
function keysOff(rawMode: boolean, stopped: boolean, final: boolean, live: boolean): string | null {
  if (final) return '';
  // A watch ending reads its pods' last lines (up to 10 s): the Ctrl-C that would cut them short must be known to cost data.
  if (stopped) return live ? 'keys off: the run is ending; Ctrl-C now cuts its last reads short' : 'keys off: the run is ending';
  return rawMode ? null : 'keys off: no terminal to read them from';
}

/** The whole screen: header, counters, coverage, then the lists (or the detail / help), then the key bar. */
export function Dashboard({ store, color, onQuit, stopRequested = false, final = false, failed = false }: DashboardProps) {
  // Keys need a raw-mode terminal on stdin; when logs are piped in there is none, so the view only updates.
  const { isRawModeSupported } = useStdin();
  const { columns, rows } = useTerminalSize();
  const [ui, setUi] = useState<UiState>(INITIAL_UI);
  // Quitting draws frames that say so (the last stays on the terminal: a replay cut short must not be left
  // saying "reading"); whether the run had finished is as it was at the key, not at the end of its reports.
  const [stopped, setStopped] = useState<{ finished: boolean } | null>(null);
  // Never frozen once quit, and the last frame is the store as it is: it must agree with the result said below it.
  const [notified, refresh] = useSnapshot(store, ui.paused && stopped === null);
  const snap = final ? store.snapshot() : notified;
  // Filtered and sorted again only when the lists change (the store keeps them while no flow arrives), not every clock tick.
  const lists = useMemo(
    () => listsView({ destinations: snap.destinations, findings: snap.findings }, ui.filter, ui.sort),
    [snap.destinations, snap.findings, ui.filter, ui.sort],
  );
  const layout = computeLayout(rows, coverageBarRows(snap.notices, snap.warnings, columns), ui.focus);
  const { exit } = useApp();
  // A signal stops the run as q does (set while rendering, React's way for state that follows a prop: no frame says otherwise).
  if (stopRequested && stopped === null) setStopped({ finished: snap.progress.finished });
  useEffect(() => {
    if (stopped === null) return;
    if (onQuit !== undefined) onQuit();
    else exit();
  }, [stopped, exit, onQuit]);
  // Keys go off once quit: raw mode ends, so a Ctrl-C meanwhile is a SIGINT again (it cuts a watch's final reads short; the frame stays until the run ends).
  useKeys(ui, setUi, (current) => keyContext(store, lists, current, layout, columns), refresh, isRawModeSupported && stopped === null, () => setStopped({ finished: snap.progress.finished }));
  const mode = ui.editingFilter ? 'filter' : ui.help ? 'help' : ui.detail ? 'detail' : 'lists';
  const off = keysOff(isRawModeSupported, stopped !== null, final, snap.header?.mode === 'live');
  return (
    <Box flexDirection="column" width={columns} height={layout.total}>
      <Header
        header={snap.header}
        progress={snap.progress}
        elapsedMs={snap.elapsedMs}
        linesPerSecond={snap.linesPerSecond}
        paused={ui.paused}
        stopped={stopped !== null}
        finishedAtStop={stopped?.finished}
        failed={failed}
        failing={snap.failing}
        keys={off === null}
        rows={layout.header}
        width={columns}
        color={color}
      />
      <VerdictCounters verdicts={snap.verdicts} flowRate={snap.flowRate} directRate={snap.directRate} rows={layout.counters} width={columns} color={color} />
      <CoverageBar warnings={snap.warnings} notices={snap.notices} height={layout.coverage} width={columns} color={color} />
      <MainArea ui={ui} snap={snap} lists={lists} layout={layout} width={columns} color={color} />
      {layout.footer > 0 ? <KeyBar mode={mode} filter={ui.filter} unkept={ui.unkept} keysOff={off} width={columns} color={color} /> : null}
    </Box>
  );
}

interface MainAreaProps {
  ui: UiState;
  snap: DashboardSnapshot;
  lists: ListsView;
  layout: Layout;
  width: number;
  color: boolean;
}

function MainArea({ ui, snap, lists, layout, width, color }: MainAreaProps) {
  if (ui.help) return <HelpOverlay height={layout.main} width={width} color={color} scroll={ui.helpScroll} />;
  if (ui.detail) return <FlowDetail flow={ui.detail} scroll={ui.scroll} width={width} height={layout.main} color={color} />;
  const ids = { destinations: lists.destinationKeys, findings: lists.findingIds };
  // On a short terminal only the focused panel has rows (the other one's height is 0).
  return (
    <Box flexDirection="column" height={layout.main}>
      {layout.destinations > 0 ? (
        <DestinationTable
          rows={lists.destinations}
          total={snap.destinations.length}
          selectedIndex={selectedIndex(ui, ids, 'destinations')}
          focused={ui.focus === 'destinations'}
          sortLabel={SORT_LABELS[ui.sort]}
          filter={ui.filter}
          width={width}
          height={layout.destinations}
          color={color}
        />
      ) : null}
      {layout.findings > 0 ? (
        <FindingsFeed
          items={lists.findings}
          held={snap.findings.length}
          seen={snap.findingsSeen}
          groups={snap.findingGroups}
          selectedIndex={selectedIndex(ui, ids, 'findings')}
          focused={ui.focus === 'findings'}
          width={width}
          height={layout.findings}
          color={color}
          failOn={snap.failOn}
        />
      ) : null}
    </Box>
  );
}
