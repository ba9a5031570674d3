/** Coverage facts of a run that read nothing and found nothing, for tests of the coverage warnings to fill in. */
import { emptySpan } from '../../src/pipeline/audit-pipeline.js';
import type { CoverageFacts } from '../../src/run/coverage.js';
import { VERDICTS, type Verdict } from '../../src/types.js';

/** Every count zero, every list empty, a 5 s window: the facts a test changes only where its warning looks. */
export function emptyCoverageFacts(): CoverageFacts {
  const verdicts = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
  return {
    lines: { lines: 0, records: 0, notAccessLog: 0, malformed: {}, tooLong: 0, joinedPartials: 0, nulPadded: 0, notUtf8: 0, duplicates: 0, otherContainers: 0, ztunnel: 0 },
    streams: [],
    roles: new Map(),
    engine: { pending: 0, pendingChars: 0, joined: 0, unmatchedSidecar: 0, unmatchedViaEastWest: 0, unmatchedGateway: 0, evicted: 0, socketsNotLogged: 0, oldHttpSockets: 0, peersNotLogged: 0, peersFromXff: 0, peersNotSockets: 0, innersWithoutTime: 0, roleConflicts: [], otherDomain: null, gatewayOutside: null, clockOffset: null },
    verdicts,
    plainRecords: 0,
    namespaceRecords: new Map(),
    gatewayOnlyMinutes: new Map(),
    overlaps: [],
    copiesForgottenEarly: 0,
    sidecarSpan: emptySpan(),
    gatewaySpan: emptySpan(),
    windowMs: 5000,
    expiredExceptions: [],
    expiringExceptions: [],
    claimedHostExceptions: [],
    namespaceUnknownExceptions: [],
    unusedBaselineEntries: null,
    unusedExceptions: null,
    extraWarnings: [],
    window: null,
    proxyContainers: ['istio-proxy'],
  };
}
