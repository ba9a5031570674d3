/**
 * The terminal dashboard: a store the pipeline feeds and an Ink UI that renders it. Only this
 * folder imports ink and react. Programs load it through load.ts, which sets up the environment Ink and React read.
 */
export { DashboardStore, NOTIFY_INTERVAL_MS, type DashboardStoreOptions } from './store.js';
export { startDashboard, MAX_FPS, type DashboardHandle, type StartDashboardOptions } from './start.js';
export type { DashboardHeader, DashboardSnapshot, FeedItem, ProgressSnapshot } from './snapshot.js';
