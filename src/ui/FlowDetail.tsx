/**
 * Flow detail: the evidence for one flow. Verdict, rule, why and what would fix it, then the sidecar
 * and gateway lines raw and decoded field by field, response flags spelled out; scrolls with j/k.
 */
import type { Flow } from '../types.js';
import { detailRows } from './detail-rows.js';
import { ScrollView } from './ScrollView.js';

/** Props of {@link FlowDetail}. */
export interface FlowDetailProps {
  flow: Flow;
  /** First content row shown. */
  scroll: number;
  width: number;
  /** Rows available, title included. */
  height: number;
  color: boolean;
}

/** A title with the scroll position, then one page of the flow's detail rows. */
export function FlowDetail({ flow, scroll, width, height, color }: FlowDetailProps) {
  return <ScrollView title="Flow detail" leave="esc back" rows={detailRows(flow, width)} scroll={scroll} width={width} height={height} color={color} />;
}
