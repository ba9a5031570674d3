import type { PolicyStage } from '../policy/index.js';
import type { ReportBuilder } from '../report/index.js';
import type { FlowSink } from '../pipeline/audit-pipeline.js';
import type { RunDashboard } from './dashboard-run.js';
import type { Outputs } from './outputs.js';

/** Where a run sends each decided flow. */
export interface FlowTargets {
  stage: PolicyStage;
  builder: ReportBuilder;
  dashboard: RunDashboard | null;
  outputs: Outputs;
}

/**
 * Every decided flow, the same way in `audit` and `watch`: the policy stage gives it its fingerprint,
 * exception and failing flag, the report counts it once (through the dashboard's store when there is
 * one), and the outputs stream it.
 */
export function flowSink(t: FlowTargets): FlowSink {
  return (flow) => {
    t.stage.apply(flow);
    if (t.dashboard !== null) t.dashboard.flow(flow); // the store adds it to the builder
    else t.builder.add(flow);
    t.outputs.flow(flow);
  };
}
