/**
 * Envoy %RESPONSE_FLAGS% short codes spelled out for the detail view (FORMATS.md section 4, from
 * envoyproxy/envoy source/common/stream_info/utility.h and the access-log usage docs).
 */

const MEANINGS: Readonly<Record<string, string>> = {
  LH: 'local service failed a health check',
  UH: 'no healthy upstream hosts in the cluster (503)',
  UT: 'upstream request timeout (504)',
  LR: 'connection reset locally',
  UR: 'upstream remote reset',
  UF: 'upstream connection failure (503)',
  UC: 'upstream connection terminated (503)',
  UO: 'upstream overflow: circuit breaking (503)',
  NR: 'no route configured (404), or no matching filter chain',
  DI: 'fault-injected delay',
  FI: 'fault-injected abort',
  RL: 'rate limited (429)',
  UAEX: 'denied by external authorization',
  RLSE: 'rate-limit service error',
  DC: 'downstream connection terminated',
  URX: 'upstream retry limit or max connect attempts exceeded',
  SI: 'stream idle timeout',
  IH: 'invalid x-envoy-* request header (400)',
  DPE: 'downstream HTTP protocol error',
  UMSDR: 'upstream max stream duration reached',
  RFCF: 'response served by the cache filter',
  NFCF: 'no filter config found',
  DT: 'max connection or stream duration reached',
  UPE: 'upstream protocol error',
  NC: 'upstream cluster not found',
  OM: 'terminated by the overload manager',
  DF: 'DNS resolution failed',
  DO: 'dropped by an EDS drop_overload policy',
  DR: 'downstream remote reset',
};

/** One flag with what it means. */
export interface FlagMeaning {
  code: string;
  meaning: string;
}

/** Splits `UF,URX` into its flags, each spelled out; unknown codes are said to be custom (extensions add them). */
export function explainFlags(flags: string | null): FlagMeaning[] {
  if (flags === null || flags === '' || flags === '-') return [];
  return flags
    .split(',')
    .map((code) => code.trim())
    .filter((code) => code !== '')
    .map((code) => ({ code, meaning: MEANINGS[code] ?? 'not a flag Envoy defines (an extension may register it)' }));
}
