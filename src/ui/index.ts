/**
 * The terminal dashboard: a store the pipeline feeds and an Ink UI that renders it. Only this
 * folder imports ink and react.
 */
// First, so React picks its production build before start.js loads ink and react.
export { REACT_BUILD } from './react-build.js';
// Then, so Ink never starts in its CI mode (nothing drawn until exit) on a terminal a person watches.
import './ink-terminal-mode.js';
export { DashboardStore, NOTIFY_INTERVAL_MS, type DashboardStoreOptions } from './store.js';
export { startDashboard, MAX_FPS, type DashboardHandle, type StartDashboardOptions } from './start.js';
export type { DashboardHeader, DashboardSnapshot, FeedItem, ProgressSnapshot } from './snapshot.js';
