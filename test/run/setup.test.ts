import { afterEach, describe, expect, it, vi } from 'vitest';
import { prepareAudit, type PolicyDay } from '../../src/run/setup.js';
import type { AuditCommonOptions } from '../../src/run/options.js';
import { flow } from '../policy/builders.js';

const OPTIONS: AuditCommonOptions = {
  policy: 'fixtures/policy/expiry.yaml',
  meshCidr: [],
  clusterDomain: null,
  gatewayHost: [],
  gatewayNamespaces: [],
  windowMs: 5_000,
  maxPending: 100_000,
  output: null,
  report: [],
  failOn: ['direct'],
  baseline: null,
  writeBaseline: null,
  color: false,
};

/** The same flow judged 2 s before and 1 s after midnight UTC of the exception's last day (2026-03-01), by the machine's clock. */
async function acrossMidnight(day: PolicyDay): Promise<[string | null, string | null]> {
  vi.useFakeTimers({ now: new Date('2026-03-01T23:59:58Z'), toFake: ['Date'] });
  const { stage } = await prepareAudit(OPTIONS, day);
  const before = flow({ host: 'api.vendor.example', namespace: 'default' });
  stage.apply(before);
  vi.setSystemTime(new Date('2026-03-02T00:00:01Z'));
  const after = flow({ host: 'api.vendor.example', namespace: 'default' });
  stage.apply(after);
  return [before.allowedBy?.id ?? null, after.allowedBy?.id ?? null];
}

describe('prepareAudit: the day policy expiry is judged on', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("judges every flow of a saved-log audit against the day it started, though it runs over midnight UTC (one snapshot, not two answers for one flow)", async () => {
    expect(await acrossMidnight('frozen')).toEqual(['ends-march-first', 'ends-march-first']);
  });

  it('lets a live watch follow the clock: the exception stops applying when its last day ends', async () => {
    expect(await acrossMidnight('moving')).toEqual(['ends-march-first', null]);
  });
});
