// The coverage warnings about the join, from the engine's counters alone: unmatched* counts only the entries
// that waited for a partner and found none, so the counts are read as they are, with no correction for the
// entries no key could join (join-fields-not-logged counts those).
import { describe, expect, it } from 'vitest';
import type { EngineCounters } from '../../src/engine/index.js';
import type { StreamFacts } from '../../src/pipeline/audit-pipeline.js';
import { catalogueFix, socketNotLoggedFix } from '../../src/engine/rule-catalogue.js';
import { buildCoverage, type CoverageFacts } from '../../src/run/coverage.js';
import type { Verdict } from '../../src/types.js';
import { emptyCoverageFacts } from '../helpers/coverage-facts.js';
import { buildReport, render } from '../report/helpers.js';
import { errorText, reportValidator } from '../report/validate.js';

function facts(engine: Partial<EngineCounters>): CoverageFacts {
  const empty = emptyCoverageFacts();
  return { ...empty, lines: { ...empty.lines, lines: 4, records: 4 }, engine: { ...empty.engine, ...engine }, plainRecords: 4 };
}

/** An input of `records` access-log records, all of them ordinary successes, in log time 0 to 0. */
function streamFacts(name: string, records = 9): StreamFacts {
  return {
    name, kind: 'file', container: null, walked: false, namespace: null, lines: records, records, error: null, stopped: false, lateJump: null, strays: null, late: null, unordered: null, backwards: false, copied: false, headUnjudged: false, probed: false,
    nulPadded: 0, notUtf8: 0, notAccessLog: 0, ztunnel: 0, jsonArray: null, blankLines: 0, duplicates: 0, ansiLines: 0, prettyJsonOpens: 0, unknownEnvelopes: 0, ambiguousLines: 0, firstAmbiguousLine: null,
  firstUnparsedLine: null, otherContainers: [], firstMs: 0, lastMs: 0,
    plainRecords: records,
  };
}

function message(f: CoverageFacts, code: string): string | undefined {
  return buildCoverage(f).warnings.find((w) => w.code === code)?.message;
}

describe('the unmatched-entries warning', () => {
  it('suggests a wider window when entries waited in vain on both sides, whatever the unjoinable ones', () => {
    const f = facts({ unmatchedSidecar: 1, unmatchedGateway: 1, peersNotLogged: 1 });
    expect(message(f, 'unmatched-entries')).toBe(
      '1 gateway-bound sidecar entry found no gateway entry and 1 gateway entry found no sidecar entry within 5s. If the sidecars\' and the gateway\'s clocks (or exports) differ by more than that, raise --window.',
    );
    expect(message(f, 'join-fields-not-logged')).toMatch(/^1 egress gateway entry naming no caller/);
  });

  it('names a stream read late instead of the clocks, and the clocks only for what its lateness leaves unexplained', () => {
    const stream = (name: string, late: StreamFacts['late']): StreamFacts => ({
      ...streamFacts(name),
      name, lines: 9, records: 9, error: null, stopped: false, lateJump: null, late, unordered: null, backwards: false, copied: false, headUnjudged: false, probed: false,
      nulPadded: 0, notUtf8: 0, notAccessLog: 0, ztunnel: 0, jsonArray: null, blankLines: 0, duplicates: 0, ansiLines: 0, prettyJsonOpens: 0, unknownEnvelopes: 0, ambiguousLines: 0, firstAmbiguousLine: null,
  firstUnparsedLine: null, otherContainers: [], firstMs: 0, lastMs: 0,
    });
    const gw = stream('pod/istio-system/egw-1/istio-proxy', { nearReleased: 2, behindMs: 41_400, fromStart: false });
    const quiet = stream('pod/shop/cart-1/istio-proxy', { nearReleased: 0, behindMs: 9000, fromStart: true }); // lost no partner: not named
    const lateness = "A stream delivered entries after log time had passed them, when the entries they would have joined had already been released, so those joins were split by the stream's lateness, not by the clocks (watch waits only so long for a late stream: docs/watch.md, Log time): pod/istio-system/egw-1/istio-proxy (its log stream fell behind, after a reconnect or with a backlog: 2 entries up to 41s behind).";
    expect(message({ ...facts({ unmatchedSidecar: 2, unmatchedGateway: 2 }), streams: [gw, quiet] }, 'unmatched-entries')).toBe(
      `2 gateway-bound sidecar entries found no gateway entry and 2 gateway entries found no sidecar entry within 5s. ${lateness}`,
    );
    expect(message({ ...facts({ unmatchedSidecar: 3, unmatchedGateway: 2 }), streams: [gw] }, 'unmatched-entries')).toBe(
      `3 gateway-bound sidecar entries found no gateway entry and 2 gateway entries found no sidecar entry within 5s. ${lateness} For the rest: if the sidecars' and the gateway's clocks (or exports) differ by more than that, raise --window.`,
    );
  });

  it("says that sidecar entries sent to another network's east-west gateway (port 15443) never join, instead of blaming the clocks", () => {
    const all = message(facts({ unmatchedSidecar: 2, unmatchedViaEastWest: 2, unmatchedGateway: 1 }), 'unmatched-entries');
    expect(all).toBe(
      "2 gateway-bound sidecar entries found no gateway entry and 1 gateway entry found no sidecar entry within 5s. All 2 sidecar entries went to an endpoint on port 15443, another network's east-west gateway by its port: the egress gateway behind it logs that east-west gateway as its caller, not the sidecar, so no window joins them (read the east-west gateway's log to see where it sent them).",
    );
    const some = message(facts({ unmatchedSidecar: 3, unmatchedViaEastWest: 1, unmatchedGateway: 2 }), 'unmatched-entries');
    expect(some).toContain('1 of the sidecar entries went to an endpoint on port 15443');
    expect(some).toContain('raise --window');
  });

  it('names inputs with no log time, and keeps the clocks hint only when both hops had a time elsewhere', () => {
    const timeless = { ...streamFacts('gw-custom.json'), firstMs: Infinity, lastMs: -Infinity };
    const span = { firstMs: 0, lastMs: 1000 };
    const why = '1 input logged no log time (no start_time, and no timestamp of kubelet\'s or a log pipeline\'s): gw-custom.json. Its entries can be joined only by an HTTP request id: a TCP or TLS connection is paired by its sockets within --window of its start';
    // The gateway hop has no time at all: no window can help, and none is suggested.
    const alone = message({ ...facts({ unmatchedSidecar: 2, unmatchedGateway: 2 }), streams: [streamFacts('sidecar.log'), timeless], sidecarSpan: span }, 'unmatched-entries');
    expect(alone).toContain(`${why}, and no --window helps.`);
    expect(alone).not.toContain('raise --window');
    // Another gateway input had times: the clocks may explain the rest.
    const beside = message({ ...facts({ unmatchedSidecar: 2, unmatchedGateway: 2 }), streams: [streamFacts('sidecar.log'), streamFacts('gw.log'), timeless], sidecarSpan: span, gatewaySpan: span }, 'unmatched-entries');
    expect(beside).toContain(`${why}. Log %START_TIME%`);
    expect(beside).toContain('raise --window');
  });

  it('does not when only one side has entries left over', () => {
    expect(message(facts({ unmatchedSidecar: 2, peersNotLogged: 3 }), 'unmatched-entries')).not.toContain('raise --window');
    expect(message(facts({ unmatchedGateway: 2, socketsNotLogged: 3 }), 'unmatched-entries')).not.toContain('raise --window');
  });

  it('is not given for unjoinable entries alone: join-fields-not-logged is', () => {
    const f = facts({ socketsNotLogged: 1, peersNotLogged: 2 });
    expect(message(f, 'unmatched-entries')).toBeUndefined();
    expect(message(f, 'join-fields-not-logged')).toMatch(/^1 answered gateway-bound sidecar entry naming no socket .* 2 egress gateway entries naming no caller/);
  });
});

describe('the join-fields-not-logged warning', () => {
  it('names gateway entries that logged the X-Forwarded-For client apart from those whose format leaves the caller out', () => {
    const text = message(facts({ peersNotLogged: 1, peersFromXff: 2 }), 'join-fields-not-logged');
    expect(text).toMatch(/^1 egress gateway entry naming no caller \(%DOWNSTREAM_REMOTE_ADDRESS%, left out of the access-log format\) and no request id/);
    expect(text).toContain(" 2 egress gateway entries naming the X-Forwarded-For client (port 0) instead of the caller's socket");
    expect(text).toMatch(/do not trust X-Forwarded-For at the egress gateway\.$/);
  });

  // One wording: the advice is the rule catalogue's fix, as `egress-audit rules`, SARIF and each flow give it.
  it.each([
    ['socketsNotLogged', socketNotLoggedFix('format')],
    ['oldHttpSockets', socketNotLoggedFix('old-proxy-http')],
    ['peersNotLogged', catalogueFix('gateway-only/peer-not-logged')],
    ['peersFromXff', catalogueFix('gateway-only/peer-from-xff')],
  ] as const)("gives the catalogue's fix word for word for %s", (counter, fix) => {
    const text = message(facts({ [counter]: 3 }), 'join-fields-not-logged');
    expect(fix).toBeTruthy();
    expect(text).toMatch(/^3 .* and no request id: they cannot be joined and stay (via-gateway-unconfirmed|gateway-only)\. /);
    expect(text?.endsWith(` ${fix}`)).toBe(true);
  });

  it('counts gateway entries whose caller is no IP socket, and SNI inner lines without a log time, which no key could join either', () => {
    const text = message(facts({ peersNotSockets: 2, innersWithoutTime: 3 }), 'join-fields-not-logged');
    expect(text).toBe(
      "2 egress gateway entries naming a caller that is no IP socket (%DOWNSTREAM_REMOTE_ADDRESS%, such as a Unix socket's path) and no request id: they cannot be joined and stay gateway-only. " +
        "3 egress gateway entries of an SNI passthrough's inner connection (caller envoy://) with no log time (%START_TIME%, or an envelope's), which ties an inner entry to its outer entry: they cannot be joined and stay gateway-only.",
    );
    expect(message(facts({ peersNotSockets: 2 }), 'unmatched-entries')).toBeUndefined();
  });

  it('asks old proxies\' HTTP lines for a request id, not for a socket field their layout already has', () => {
    const text = message(facts({ oldHttpSockets: 2 }), 'join-fields-not-logged');
    expect(text).toMatch(/^2 answered gateway-bound sidecar HTTP entries with `-` for the socket/);
    expect(text).toContain('log %REQ(X-REQUEST-ID)% at both hops');
    expect(text).not.toContain('Add %UPSTREAM_LOCAL_ADDRESS%');
  });
});

describe('the overlapping-inputs warning', () => {
  it('names the pairs, and says why lines forgotten early may have been audited twice: the kept lines ran out, or an unordered input held log time back', () => {
    const f = facts({});
    f.lines = { ...f.lines, duplicates: 3 };
    f.overlaps = [{ first: 'a.log', second: 'b.log', lines: 3 }];
    expect(message(f, 'overlapping-inputs')).toMatch(/^3 access-log lines repeated a line another input held, .*: a\.log and b\.log \(3\)\. /);
    expect(message(f, 'overlapping-inputs')).not.toContain('forgotten');
    f.copiesForgottenEarly = 2;
    expect(message(f, 'overlapping-inputs')).toMatch(/ 2 lines were forgotten before every input had been read a join window past them \(131,072 lines are kept, and an input whose log time goes back, held to its end, holds the others' lines too\): a copy read after that was audited again\.$/);
  });
});

describe('the no-gateway-logs warning', () => {
  it.each([
    [1, 'No egress-gateway logs were read, although 1 sidecar flow was sent to a gateway: it is unconfirmed, not proven.'],
    [3, 'No egress-gateway logs were read, although 3 sidecar flows were sent to a gateway: those are unconfirmed, not proven.'],
  ])('counts %i unconfirmed flow(s) with the noun and verb agreeing', (n, text) => {
    const f = facts({});
    f.verdicts['via-gateway-unconfirmed'] = n;
    expect(message(f, 'no-gateway-logs')).toBe(text);
  });
});

describe('counts in the other warnings agree with their nouns', () => {
  it('says "1 gateway flow" in no-sidecar-logs', () => {
    const f = facts({});
    f.verdicts['gateway-only'] = 1;
    expect(message(f, 'no-sidecar-logs')).toMatch(/^No sidecar logs were read: 1 gateway flow cannot be tied/);
    f.verdicts['gateway-only'] = 2;
    expect(message(f, 'no-sidecar-logs')).toMatch(/^No sidecar logs were read: 2 gateway flows cannot be tied/);
  });

  it('says no sidecar log was read when only gateways\' entries were, gateway-only flows or none (an ingress gateway\'s log alone)', () => {
    const ingressOnly: CoverageFacts = {
      ...facts({}),
      verdicts: { ...facts({}).verdicts, ingress: 4 },
      streams: [streamFacts('ingress-gateway.log', 4)],
      roles: new Map([['ingress-gateway.log', { role: 'ingress-gateway' as const, rule: 'file-name', detail: '' }]]),
    };
    // Before, no warning at all: the run passed, though no direct egress could have been seen.
    expect(message(ingressOnly, 'no-sidecar-logs')).toBe("No sidecar logs were read: the 4 access-log entries read are gateways' only, and direct traffic from sidecars, which only their own logs record, would not be seen.");
    const withSidecar: CoverageFacts = {
      ...ingressOnly,
      streams: [...ingressOnly.streams, streamFacts('app.log', 2)],
      roles: new Map([...ingressOnly.roles, ['app.log', { role: 'sidecar' as const, rule: 'default', detail: '' }]]),
    };
    expect(message(withSidecar, 'no-sidecar-logs')).toBeUndefined();
  });

  it('says "1 of 1 entry" in mixed-roles', () => {
    const f = facts({ roleConflicts: [{ file: 'gw.log', pod: null, namespace: null, role: 'sidecar', conflicting: 1, entries: 1, seen: 1, firstLine: 1, why: 'it arrived on 10.0.0.9' }] });
    expect(message(f, 'mixed-roles')).toContain('(read as a sidecar; 1 of 1 entry read like an egress gateway');
  });
});

describe('the mixed-roles warning of a file a role flag named', () => {
  const conflict = (conflicting: number) => ({ file: 'gw.log', pod: null, namespace: null, role: 'sidecar' as const, conflicting, entries: 4, seen: 4, firstLine: 1, why: 'it arrived on 10.0.0.9' });

  it('says the flag may be the wrong one when every entry reads like the other role\'s', () => {
    const f = facts({ roleConflicts: [conflict(4)] });
    f.roles.set('gw.log', { role: 'sidecar', rule: 'flag:--sidecar', detail: 'gw.log named by --sidecar' });
    const text = message(f, 'mixed-roles') ?? '';
    expect(text).toContain("Every entry of gw.log reads like an egress gateway's: if it is one proxy's log named by the wrong flag, give it with --gateway instead of --sidecar.");
    expect(text).not.toContain('Give each proxy');
  });

  it('keeps the advice to split a file when only some entries do, or no flag named it', () => {
    const some = facts({ roleConflicts: [conflict(2)] });
    some.roles.set('gw.log', { role: 'sidecar', rule: 'flag:--sidecar', detail: 'gw.log named by --sidecar' });
    expect(message(some, 'mixed-roles')).toContain("Give each proxy's log a file of its own");
    expect(message(some, 'mixed-roles')).not.toContain('wrong flag');
    const unflagged = facts({ roleConflicts: [conflict(4)] });
    expect(message(unflagged, 'mixed-roles')).toContain("Give each proxy's log a file of its own");
  });
});

describe('the filtered-logging warning', () => {
  const lines = (records: number) => ({ lines: records, records, notAccessLog: 0, malformed: {}, tooLong: 0, joinedPartials: 0, nulPadded: 0, notUtf8: 0, duplicates: 0, otherContainers: 0, ztunnel: 0 });

  it('names a namespace whose entries are all errors, across inputs, while the run as a whole looks ordinary', () => {
    const f = { ...facts({}), lines: lines(100), plainRecords: 60, namespaceRecords: new Map([['shop', { records: 60, plain: 60 }], ['pay', { records: 40, plain: 0 }]]) };
    expect(message(f, 'filtered-logging')).toMatch(/in part of the logs, although 60 of 100 entries in all are ordinary successful requests: namespace pay \(0 of 40 entries ordinary\)\. /);
  });

  it('names an input that is all of a filtered namespace once, and an input that is part of it apart', () => {
    const pay = { ...streamFacts('pay.log', 40), plainRecords: 0, namespace: 'pay' };
    const f = { ...facts({}), lines: lines(100), plainRecords: 60, namespaceRecords: new Map([['shop', { records: 60, plain: 60 }], ['pay', { records: 40, plain: 0 }]]), streams: [{ ...streamFacts('shop.log', 60), namespace: 'shop' }, pay] };
    expect(message(f, 'filtered-logging')).toMatch(/ordinary successful requests: namespace pay in pay\.log \(0 of 40 entries ordinary\)\. /);
    const part = { ...f, namespaceRecords: new Map([['shop', { records: 40, plain: 40 }], ['pay', { records: 60, plain: 0 }]]), streams: [{ ...streamFacts('shop.log', 40), namespace: 'shop' }, pay, { ...pay, name: 'pay-2.log', records: 20, lines: 20 }] };
    expect(message(part, 'filtered-logging')).toMatch(/: namespace pay \(0 of 60 entries ordinary\); pay\.log \(0 of 40 entries ordinary\); pay-2\.log \(0 of 20 entries ordinary\)\. /);
  });

  it('says nothing of a namespace or input of fewer than 20 entries, and keeps the whole-run wording when all look filtered', () => {
    const small = { ...facts({}), lines: lines(100), plainRecords: 81, namespaceRecords: new Map([['pay', { records: 19, plain: 0 }]]), streams: [{ ...streamFacts('b.log', 19), plainRecords: 0 }] };
    expect(message(small, 'filtered-logging')).toBeUndefined();
    const all = { ...facts({}), lines: lines(40), plainRecords: 0, streams: [{ ...streamFacts('b.log', 40), plainRecords: 0 }] };
    expect(message(all, 'filtered-logging')).toBe('Only 0 of 40 entries are ordinary successful requests: access logging looks filtered (errors, Passthrough, BlackHole only), so traffic that was not logged cannot be judged.');
  });
});

describe('the silent-inputs warning', () => {
  const quiet = (name: string, more: Partial<StreamFacts> = {}): StreamFacts => ({ ...streamFacts(name, 0), lines: 3, notAccessLog: 3, ...more });

  it('leaves out a live container, an app container of a kubelet tree, a failed input and one of copies', () => {
    const f = {
      ...facts({}),
      streams: [
        streamFacts('a.log'),
        quiet('pod/shop/cart-1/istio-proxy', { kind: 'pod' }),
        quiet('pods/shop_cart-1_uid/app/0.log', { container: 'app' }),
        quiet('gone.log', { error: 'gone.log: no such file or directory' }),
        quiet('copy.log', { duplicates: 3 }),
      ],
    };
    expect(message(f, 'silent-inputs')).toBeUndefined();
    expect(message({ ...f, streams: [...f.streams, quiet('pods/shop_cart-1_uid/istio-proxy/0.log', { container: 'istio-proxy' })] }, 'silent-inputs')).toMatch(/^1 input held no access-log entry, although the others did: pods\/shop_cart-1_uid\/istio-proxy\/0\.log \(some other log, not an access log: /);
  });

  it('points at the first line of each silent input it names, where a failing SARIF result is shown', () => {
    const silent = ['b.log', 'c.log', 'd.log', 'e.log', 'f.log', 'g.log'];
    const f = { ...facts({}), streams: [streamFacts('a.log'), ...silent.map((n) => quiet(n))] };
    const warning = buildCoverage(f).warnings.find((w) => w.code === 'silent-inputs');
    expect(warning?.message).toContain('and 1 more');
    expect(warning?.at).toEqual(silent.slice(0, 5).map((file) => ({ file, line: 1 })));
  });

  it('leaves to no-sidecar-logs the silent sidecar inputs it names, when no sidecar log held an entry', () => {
    const f: CoverageFacts = {
      ...facts({}),
      verdicts: { ...facts({}).verdicts, 'gateway-only': 2 },
      streams: [streamFacts('gw.log'), quiet('app.log')],
      roles: new Map([
        ['gw.log', { role: 'egress-gateway' as const, rule: 'file-name', detail: '' }],
        ['app.log', { role: 'sidecar' as const, rule: 'flag', detail: '' }],
      ]),
    };
    expect(message(f, 'no-sidecar-logs')).toContain('Read as sidecar logs but holding no access-log entry: app.log (some other log, not an access log: ');
    expect(message(f, 'silent-inputs')).toBeUndefined();
  });

  it('names a file a walk or a glob found only when it is empty; a file named is judged whatever it held', () => {
    const f = { ...facts({}), streams: [streamFacts('a.log'), quiet('logs/expected.json', { walked: true })] };
    expect(message(f, 'silent-inputs')).toBeUndefined();
    expect(message({ ...f, streams: [streamFacts('a.log'), quiet('logs/expected.json')] }, 'silent-inputs')).toContain('logs/expected.json (some other log');
    expect(message({ ...f, streams: [streamFacts('a.log'), quiet('logs/b.log', { walked: true, lines: 0, notAccessLog: 0 })] }, 'silent-inputs')).toContain('logs/b.log (empty: ');
  });

  it('no-gateway-logs names an empty gateway file with its cause (as silent-inputs would have), not a live gateway pod that logged nothing', () => {
    const gateway = (name: string, more: Partial<StreamFacts>): [StreamFacts, [string, { role: 'egress-gateway'; rule: string; detail: string }]] => [{ ...streamFacts(name, 0), ...more }, [name, { role: 'egress-gateway', rule: 'file-name', detail: '' }]];
    const [file, fileRole] = gateway('egress-gateway.log', { kind: 'file' });
    const [pod, podRole] = gateway('pod/istio-system/egw-1/istio-proxy', { kind: 'pod' });
    const f: CoverageFacts = { ...facts({}), verdicts: { ...facts({}).verdicts, 'via-gateway-unconfirmed': 1 }, streams: [streamFacts('sidecar.log'), file, pod], roles: new Map([fileRole, podRole]) };
    const said = message(f, 'no-gateway-logs') ?? '';
    expect(said).toContain('Read as egress-gateway logs but holding no access-log entry: egress-gateway.log (empty: the save or export failed');
    expect(said).not.toContain('egw-1');
  });

  it('is left to no-records when no input held an entry', () => {
    expect(message({ ...facts({}), lines: { ...facts({}).lines, records: 0 }, streams: [quiet('a.log')] }, 'silent-inputs')).toBeUndefined();
  });
});

describe('the no-records warning of a watch', () => {
  it('says a followed container logged nothing while it was followed, not that a save failed', () => {
    const idle: StreamFacts = { ...streamFacts('pod/shop/web-1/istio-proxy', 0), kind: 'pod', lines: 0 };
    const saved: StreamFacts = { ...streamFacts('web.log', 0), lines: 0 };
    const f: CoverageFacts = { ...facts({}), lines: { ...facts({}).lines, lines: 0, records: 0 }, streams: [idle, saved] };
    const said = message(f, 'no-records') ?? '';
    expect(said).toContain('pod/shop/web-1/istio-proxy (logged nothing while it was followed)');
    expect(said).toContain('web.log (empty: the save or export failed, or its proxy logged nothing in that time)');
  });
});

describe('the no-sidecar-logs warning for part of --since/--until', () => {
  const MIN = 60_000;
  const sidecar = (firstMs: number, lastMs: number): StreamFacts => ({ ...streamFacts(`s${firstMs}.log`), firstMs, lastMs });
  const gatewayOnly = (minutes: number[]): Record<Verdict, number> => ({ ...facts({}).verdicts, 'gateway-only': minutes.length });
  const window = (sinceMin: number, untilMin: number) => ({ since: new Date(sinceMin * MIN).toISOString(), until: new Date(untilMin * MIN).toISOString(), flowsOutside: 0 });
  const withFlows = (minutes: number[], streams: StreamFacts[], sidecarSpan: { firstMs: number; lastMs: number }): CoverageFacts => ({
    ...facts({}),
    verdicts: gatewayOnly(minutes),
    streams,
    roles: new Map(streams.map((s) => [s.name, { role: 'sidecar' as const, rule: 'file-name', detail: '' }])),
    gatewayOnlyMinutes: new Map(minutes.map((m) => [m, 1])),
    sidecarSpan,
    window: window(0, 60),
  });

  it('names the minutes of the window outside the sidecar logs\' time, merged on each side of it', () => {
    // Two inputs, 0-2 and 20-32 minutes: a gap between inputs is the audited pods being quiet, not time left unread.
    const f = withFlows([10, 40, 41, 50], [sidecar(0, 2 * MIN), sidecar(20 * MIN, 32 * MIN)], { firstMs: 0, lastMs: 32 * MIN });
    expect(message(f, 'no-sidecar-logs')).toBe(
      "No sidecar log reaches the log time of 3 gateway flows (gateway-only) in --since/--until, which started 1970-01-01T00:40:00.000Z to 1970-01-01T00:51:00.000Z (3 flows), while the sidecar logs read run from 1970-01-01T00:00:00.000Z to 1970-01-01T00:32:00.000Z: they cannot be tied to a calling workload's own log, and direct traffic from sidecars in that time would not be seen. Read the sidecars' logs of the window, or narrow --since/--until to the time they cover.",
    );
  });

  it('says nothing within a minute of the sidecar logs, outside --since/--until, without a window, or in a live run', () => {
    const span = { firstMs: 0, lastMs: 2 * MIN };
    expect(message(withFlows([2], [sidecar(0, 2 * MIN)], span), 'no-sidecar-logs')).toBeUndefined();
    expect(message({ ...withFlows([10], [sidecar(0, 2 * MIN)], span), window: window(0, 5) }, 'no-sidecar-logs')).toBeUndefined();
    expect(message({ ...withFlows([10], [sidecar(0, 2 * MIN)], span), window: null }, 'no-sidecar-logs')).toBeUndefined();
    expect(message(withFlows([10], [{ ...sidecar(0, 2 * MIN), kind: 'pod' }], span), 'no-sidecar-logs')).toBeUndefined();
  });
});

describe('the stream-errors warning', () => {
  const failed = (name: string, error: string): StreamFacts => ({ ...streamFacts(name, 0), kind: 'pod', error });

  it('says an error that stopped many inputs once, naming them, not once per input (a credential that failed mid-watch)', () => {
    const error = 'cannot get credentials for context "prod": exec plugin kubelogin of user "alice" failed (exit 1): token refresh failed';
    const f = { ...facts({}), streams: [1, 2, 3, 4, 5, 6, 7].map((i) => failed(`pod/shop/cart-${i}/istio-proxy`, error)) };
    expect(message(f, 'stream-errors')).toBe(
      `7 inputs could not be read to the end: ${error} (7 inputs: pod/shop/cart-1/istio-proxy; pod/shop/cart-2/istio-proxy; pod/shop/cart-3/istio-proxy; pod/shop/cart-4/istio-proxy; pod/shop/cart-5/istio-proxy; and 2 more)`,
    );
  });

  it('lists distinct errors (a 403 on each pod names its pod) the way other warnings list, the first few then how many more', () => {
    const f = { ...facts({}), streams: Array.from({ length: 500 }, (_, i) => failed(`pod/shop/p-${i}/istio-proxy`, `cannot get the istio-proxy log of pod shop/p-${i}: forbidden`)) };
    const said = message(f, 'stream-errors') ?? '';
    expect(said).toMatch(/^500 inputs could not be read to the end: cannot get the istio-proxy log of pod shop\/p-0: forbidden; .*; and 495 inputs more, of 495 other causes$/);
    expect(said.length).toBeLessThan(600); // it was every one of the 500 messages, about 30 kB in one warning of every report
  });

  it('says once what several files failed with, naming them, though each error begins with its own file name', () => {
    const gz = (n: number) => failed(`logs/p-${n}.log.gz`, `logs/p-${n}.log.gz: corrupt gzip (invalid stored block lengths)`);
    const f = { ...facts({}), streams: [gz(1), gz(2), gz(3), failed('gone.log', 'gone.log: no such file or directory')] };
    expect(message(f, 'stream-errors')).toBe(
      '4 inputs could not be read to the end: corrupt gzip (invalid stored block lengths) (3 inputs: logs/p-1.log.gz; logs/p-2.log.gz; logs/p-3.log.gz); gone.log: no such file or directory',
    );
  });

  it('says once a cause the errors carried (a 403 of log requests), though each message names its own pod (was each message, cut at "and N more")', () => {
    const refused = 'log requests refused (403 Forbidden): the ClusterRole needs pods/log: get (see docs/rbac.yaml)';
    const streams = Array.from({ length: 300 }, (_, i) => ({ ...failed(`pod/shop/cart-${i}/istio-proxy`, `cannot get the istio-proxy log of pod shop/cart-${i}: the ClusterRole needs pods/log: get (see docs/rbac.yaml); the API server said: pods "cart-${i}" is forbidden`), alike: refused }));
    const f = { ...facts({}), streams: [...streams, failed('gone.log', 'gone.log: no such file or directory')] };
    expect(message(f, 'stream-errors')).toBe(
      `301 inputs could not be read to the end: ${refused} (300 inputs: ${[0, 1, 2, 3, 4].map((i) => `pod/shop/cart-${i}/istio-proxy`).join('; ')}; and 295 more); gone.log: no such file or directory`,
    );
  });

  it('says an error that stopped one input as it was', () => {
    const f = { ...facts({}), streams: [failed('gone.log', 'gone.log: no such file or directory'), streamFacts('a.log')] };
    expect(message(f, 'stream-errors')).toBe('1 input could not be read to the end: gone.log: no such file or directory');
  });
});

describe('the coverage rows of streams', () => {
  it('are one per name: a pod recreated under its name is one row, its figures summed and its pods counted (was a row per pod, one name twice)', async () => {
    const pod = (over: Partial<StreamFacts>): StreamFacts => ({ ...streamFacts('pod/shop/web-0/istio-proxy'), kind: 'pod', container: 'istio-proxy', ...over });
    const f: CoverageFacts = {
      ...facts({}),
      streams: [
        pod({ lines: 3, records: 3, firstMs: 1_000, lastMs: 2_000, error: 'cannot read the log: 500', duplicates: 1 }),
        streamFacts('other.log', 2),
        pod({ lines: 2, records: 2, firstMs: 5_000, lastMs: 6_000, error: 'stopped', stopped: true }),
      ],
      roles: new Map([['pod/shop/web-0/istio-proxy', { role: 'sidecar', rule: 'pod-scope', detail: '' }]]),
    };
    const cov = buildCoverage(f);
    expect(cov.streams.map((s) => s.name)).toEqual(['pod/shop/web-0/istio-proxy', 'other.log']);
    // The failure lost lines of the first pod, whatever the stop did to the second.
    expect(cov.streams[0]).toEqual({ name: 'pod/shop/web-0/istio-proxy', lines: 5, records: 5, duplicates: 1, pods: 2, role: 'sidecar', roleRule: 'pod-scope', firstSeen: '1970-01-01T00:00:01.000Z', lastSeen: '1970-01-01T00:00:06.000Z', incomplete: 'failed', error: 'an earlier pod of this name, since recreated, could not be read to the end (cannot read the log: 500); the current one was read until the run was stopped' });
    expect(cov.streams[1]).not.toHaveProperty('pods');
    const report = buildReport([], cov);
    const validate = reportValidator();
    const json = JSON.parse(await render('json', [], report)) as unknown;
    expect(validate(json), errorText(validate)).toBe(true);
    expect(await render('table', [], report)).toMatch(/sidecar \(pod-scope\): 5 lines, 5 records, 1 duplicate of other inputs'\s+lines, 2 pods of this name,/);
  });
});

describe('the error of a coverage row of a pod recreated under its name', () => {
  const pod = (over: Partial<StreamFacts>): StreamFacts => ({ ...streamFacts('pod/shop/web-0/istio-proxy'), kind: 'pod', container: 'istio-proxy', ...over });
  const row = (streams: StreamFacts[]): ReturnType<typeof buildCoverage>['streams'][number] => buildCoverage({ ...facts({}), streams }).streams[0] as ReturnType<typeof buildCoverage>['streams'][number];

  it('says the earlier pod failed and the current one was read, when only the earlier one failed (was the earlier error as if the current stream had it)', () => {
    const r = row([pod({ error: 'cannot get the istio-proxy log of pod shop/web-0: HTTP 500' }), pod({})]);
    expect(r.incomplete).toBe('failed');
    expect(r.error).toBe('an earlier pod of this name, since recreated, could not be read to the end (cannot get the istio-proxy log of pod shop/web-0: HTTP 500); the current one was read without error');
  });

  it("is the current pod's own error when it failed, whatever an earlier one did", () => {
    const r = row([pod({ error: 'old: HTTP 500' }), pod({ error: 'new: HTTP 403' })]);
    expect(r.error).toBe('new: HTTP 403');
  });
});

describe('baseline-entries-unused', () => {
  const entry = { fingerprint: 'f1', verdict: 'direct', rule: 'direct/passthrough-cluster', destination: 'pypi.org:443', namespace: 'shop', sourceWorkload: 'frontend' };
  const unused = { file: 'baseline.json', entries: [{ entry, fingerprints: ['f1'], line: 4 }] };

  it('is located at the entry\'s line; not said of a run that read no entry, where no-records says nothing was audited', () => {
    const f: CoverageFacts = { ...emptyCoverageFacts(), lines: { ...emptyCoverageFacts().lines, lines: 3, records: 3 }, unusedBaselineEntries: unused };
    expect(buildCoverage(f).warnings.find((w) => w.code === 'baseline-entries-unused')?.at).toEqual([{ file: 'baseline.json', line: 4 }]);
    const codes = buildCoverage({ ...emptyCoverageFacts(), unusedBaselineEntries: unused }).warnings.map((w) => w.code);
    expect(codes).toContain('no-records');
    expect(codes).not.toContain('baseline-entries-unused');
  });
});

describe('exceptions-unused', () => {
  const unused = { file: 'policy.yaml', exceptions: [{ ref: { id: 'storage', reason: 'Storage alone (SEC-2).', expires: null }, line: 7, shadowedBy: 'all-google' }] };

  it('says which earlier exception allowed the flows of one that matched some, and is located at its line; not of a run that read no entry', () => {
    const f: CoverageFacts = { ...emptyCoverageFacts(), lines: { ...emptyCoverageFacts().lines, lines: 3, records: 3 }, unusedExceptions: unused };
    const warning = buildCoverage(f).warnings.find((w) => w.code === 'exceptions-unused');
    expect(warning?.at).toEqual([{ file: 'policy.yaml', line: 7 }]);
    expect(warning?.message).toMatch(/^1 policy exception allowed no flow in this run: storage \(policy\.yaml:7: an earlier exception, all-google, allowed the flows it matched\)\. If the traffic it was written for has stopped, remove it from the policy: .* The 3 entries read cover none \(no record with a log time\): /);
    // Where no-records says nothing was audited, every exception is unused: that says nothing.
    const codes = buildCoverage({ ...emptyCoverageFacts(), unusedExceptions: unused }).warnings.map((w) => w.code);
    expect(codes).toContain('no-records');
    expect(codes).not.toContain('exceptions-unused');
  });
});
