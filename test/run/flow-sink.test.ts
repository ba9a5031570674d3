// audit --since/--until leaves a flow outside its window out of everything, the policy's exception hits included:
// an exception hit only by flows outside the window must not be reported expired (or expiring) for the window.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { createPolicyStage, parsePolicy } from '../../src/policy/index.js';
import type { ReportBuilder } from '../../src/report/index.js';
import { flowSink } from '../../src/run/flow-sink.js';
import type { Outputs } from '../../src/run/outputs.js';
import { WindowFilter } from '../../src/run/window-filter.js';
import type { Flow } from '../../src/types.js';
import { flow } from '../policy/builders.js';

describe('flowSink with a log-time window', () => {
  it('gives a flow outside the window to nothing, not the policy stage either; one inside to all', async () => {
    const policy = parsePolicy(await readFile('fixtures/policy/expiry.yaml', 'utf8'), 'expiry.yaml');
    const stage = createPolicyStage(policy, { failOn: ['direct'], baseline: null, now: new Date('2026-06-01T00:00:00Z') });
    const built: Flow[] = [];
    const streamed: Flow[] = [];
    const builder = { add: (f: Flow) => built.push(f) } as unknown as ReportBuilder;
    const outputs = { flow: (f: Flow) => streamed.push(f) } as unknown as Outputs;
    const window = new WindowFilter({ sinceMs: Date.parse('2026-02-19T10:00:00Z'), untilMs: null });
    const sink = flowSink({ stage, builder, dashboard: null, outputs, window });
    // Hits the expired exception ends-march-first, but started before the window.
    sink(flow({ host: 'api.vendor.example', namespace: 'default', startMs: Date.parse('2026-02-19T09:00:00Z') }));
    expect([built.length, streamed.length, window.coverage().flowsOutside]).toEqual([0, 0, 1]);
    expect(stage.expiredHits()).toEqual([]);
    const inside = flow({ host: 'api.vendor.example', namespace: 'default', startMs: Date.parse('2026-02-19T11:00:00Z') });
    sink(inside);
    expect([built, streamed]).toEqual([[inside], [inside]]);
    expect(inside.expiredException?.id).toBe('ends-march-first');
    expect(stage.expiredHits().map((e) => e.id)).toEqual(['ends-march-first']);
  });
});
