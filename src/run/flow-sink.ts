import type { PolicyStage } from '../policy/index.js';
import type { ReportBuilder } from '../report/index.js';
import type { FlowSink } from '../pipeline/audit-pipeline.js';
import type { RunDashboard } from './dashboard-run.js';
import type { Outputs } from './outputs.js';
import type { WindowFilter } from './window-filter.js';

/** Where a run sends each decided flow. */
export interface FlowTargets {
  stage: PolicyStage;
  builder: ReportBuilder;
  dashboard: RunDashboard | null;
  outputs: Outputs;
  /** `audit --since/--until`: flows that started outside it go nowhere but its count. */
  window?: WindowFilter | null;
}

/**
 * Every decided flow, the same way in `audit` and `watch`: one outside the log-time window is left out of
 * everything (the report, the streams, the dashboard, the exit code, the policy's exception hits) and only
 * counted; any other gets from the policy stage its fingerprint,
 * exception and failing flag, the report counts it once (through the dashboard's store when there is
 * one), and the outputs stream it.
 */
export function flowSink(t: FlowTargets): FlowSink {
  return (flow) => {
    if (t.window && !t.window.admits(flow)) return;
    t.stage.apply(flow);
    if (t.dashboard !== null) t.dashboard.flow(flow); // the store adds it to the builder
    else t.builder.add(flow);
    t.outputs.flow(flow);
  };
}
