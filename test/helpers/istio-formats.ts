/**
 * Istio's and Envoy's default format strings, copied from FORMATS.md (read from istio/istio and
 * envoyproxy/envoy history), and a renderer that prints a line from one of them, as Envoy would.
 */

const TS = '[%START_TIME%]';
const HEADERS = '"%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"';
const ADDRS = '%UPSTREAM_CLUSTER% %UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS%';
const REQ = '"%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%"';
const COUNTERS = '%BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%';

/** Format strings by the parser's format name. */
export const FORMAT_STRINGS: Record<string, string> = {
  envoy: `${TS} ${REQ} %RESPONSE_CODE% %RESPONSE_FLAGS% ${COUNTERS} ${HEADERS}\n`,
  'istio-1.0': `${TS} "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%%PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% ${COUNTERS} ${HEADERS} ${ADDRS}\n`,
  'istio-1.0-tcp': `${TS} %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% "%UPSTREAM_HOST%" ${ADDRS}\n`,
  'istio-1.1-dev': `${TS} ${REQ} %RESPONSE_CODE% %RESPONSE_FLAGS% ${COUNTERS} ${HEADERS} ${ADDRS} %REQUESTED_SERVER_NAME%\n`,
  'istio-1.1': `${TS} ${REQ} %RESPONSE_CODE% %RESPONSE_FLAGS% "%DYNAMIC_METADATA(istio.mixer:status)%" ${COUNTERS} ${HEADERS} ${ADDRS} %REQUESTED_SERVER_NAME%\n`,
  'istio-1.2': `${TS} ${REQ} %RESPONSE_CODE% %RESPONSE_FLAGS% "%DYNAMIC_METADATA(istio.mixer:status)%" "%UPSTREAM_TRANSPORT_FAILURE_REASON%" ${COUNTERS} ${HEADERS} ${ADDRS} %REQUESTED_SERVER_NAME%\n`,
  'istio-1.3': `${TS} ${REQ} %RESPONSE_CODE% %RESPONSE_FLAGS% "%DYNAMIC_METADATA(istio.mixer:status)%" "%UPSTREAM_TRANSPORT_FAILURE_REASON%" ${COUNTERS} ${HEADERS} ${ADDRS} %REQUESTED_SERVER_NAME% %ROUTE_NAME%\n`,
  'istio-1.8': `${TS} ${REQ} %RESPONSE_CODE% %RESPONSE_FLAGS% "%UPSTREAM_TRANSPORT_FAILURE_REASON%" ${COUNTERS} ${HEADERS} ${ADDRS} %REQUESTED_SERVER_NAME% %ROUTE_NAME%\n`,
  'istio-1.9': `${TS} ${REQ} %RESPONSE_CODE% %RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS% "%UPSTREAM_TRANSPORT_FAILURE_REASON%" ${COUNTERS} ${HEADERS} ${ADDRS} %REQUESTED_SERVER_NAME% %ROUTE_NAME%\n`,
  'istio-1.23': `${TS} ${REQ} %RESPONSE_CODE% %RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS% "%UPSTREAM_TRANSPORT_FAILURE_REASON%" ${COUNTERS} ${HEADERS} %UPSTREAM_CLUSTER_RAW% %UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME% %ROUTE_NAME%\n`,
};

/** Values by operator for rendering; "-" is Envoy's missing value. */
export type OperatorValues = Record<string, string>;

/** A typical HTTP request through a sidecar towards an external host. */
export const HTTP_VALUES: OperatorValues = {
  START_TIME: '2024-03-01T10:00:00.123Z',
  'REQ(:METHOD)': 'GET',
  'REQ(X-ENVOY-ORIGINAL-PATH?:PATH)': '/status/418',
  PROTOCOL: 'HTTP/1.1',
  RESPONSE_CODE: '418',
  RESPONSE_FLAGS: '-',
  RESPONSE_CODE_DETAILS: 'via_upstream',
  CONNECTION_TERMINATION_DETAILS: '-',
  UPSTREAM_TRANSPORT_FAILURE_REASON: '-',
  'DYNAMIC_METADATA(istio.mixer:status)': '-',
  BYTES_RECEIVED: '0',
  BYTES_SENT: '135',
  DURATION: '4',
  'RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)': '3',
  'REQ(X-FORWARDED-FOR)': '-',
  'REQ(USER-AGENT)': 'curl/8.5.0',
  'REQ(X-REQUEST-ID)': 'd209e46f-9ed5-9b61-bbdd-43e22662702a',
  'REQ(:AUTHORITY)': 'httpbin.org',
  UPSTREAM_HOST: '52.1.2.3:80',
  UPSTREAM_CLUSTER: 'outbound|80||httpbin.org',
  UPSTREAM_CLUSTER_RAW: 'outbound|80||httpbin.org',
  UPSTREAM_LOCAL_ADDRESS: '10.1.0.7:40188',
  DOWNSTREAM_LOCAL_ADDRESS: '52.1.2.3:80',
  DOWNSTREAM_REMOTE_ADDRESS: '10.1.0.7:40142',
  REQUESTED_SERVER_NAME: '-',
  ROUTE_NAME: 'allow_any',
};

/** Prints a line from a format string, as Envoy would (unknown operators print "-"). */
export function renderLine(format: string, values: OperatorValues): string {
  return format
    .replace(/\n$/, '')
    .replace(/%([A-Z_0-9]+(?:\([^)]*\))?)(?::\d+)?%/g, (_, op: string) => values[op] ?? '-');
}
