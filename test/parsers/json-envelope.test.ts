import { describe, expect, it } from 'vitest';
import { LineParser, parseLineText, resolveFormat, toRecord, type FormatSpec } from '../../parsers/index.js';

const LINE =
  '[2024-03-01T10:00:00.123Z] "- - -" 0 - - - "-" 85 844 1 - "-" "-" "-" "-" "10.108.0.55:2234" outbound|2234||istio-egressgateway.istio-system.svc.cluster.local 10.108.0.56:33706 192.168.0.78:1234 10.108.0.56:50898 - -';
const POD = 'sleep-7c7db887d8-9dnd7';
const LABELS = { app: 'sleep', 'pod-template-hash': '7c7db887d8' };

function parser(): LineParser {
  return new LineParser(resolveFormat('auto') as FormatSpec, 65536);
}

describe("log pipelines' JSON records are read as envelopes, with the pod that wrote the line", () => {
  it.each([
    {
      name: 'Fluent Bit (CRI multiline parser, kubernetes filter, json_lines)',
      line: { date: 1709287200.5, time: '2024-03-01T10:00:00.500000000Z', stream: 'stdout', _p: 'F', log: LINE, kubernetes: { pod_name: POD, namespace_name: 'shop', container_name: 'istio-proxy', labels: LABELS } },
      env: { pod: POD, namespace: 'shop', container: 'istio-proxy', labels: LABELS, timestamp: '2024-03-01T10:00:00.500000000Z', stream: 'stdout' },
    },
    {
      name: "Fluent Bit's date alone (epoch seconds), no time key",
      line: { date: 1709287200.5, log: LINE, kubernetes: { pod_name: POD, namespace_name: 'shop', container_name: 'istio-proxy' } },
      env: { pod: POD, timestamp: '2024-03-01T10:00:00.500Z' },
    },
    {
      name: "Fluentd's time injected with %z (no colon in the offset): rewritten to RFC 3339",
      line: { log: LINE, time: '2024-03-01T11:00:00.500000000+0100', kubernetes: { pod_name: POD, namespace_name: 'shop' } },
      env: { pod: POD, timestamp: '2024-03-01T11:00:00.500000000+01:00' },
    },
    {
      name: "Ruby's Time#to_s (a space for the T, then UTC)",
      line: { log: LINE, time: '2024-03-01 10:00:00 UTC', kubernetes: { pod_name: POD, namespace_name: 'shop' } },
      env: { pod: POD, timestamp: '2024-03-01T10:00:00Z' },
    },
    {
      name: "RFC 3339's lower-case t and z, kept as written",
      line: { log: LINE, time: '2024-03-01t10:00:00.5z', kubernetes: { pod_name: POD, namespace_name: 'shop' } },
      env: { pod: POD, timestamp: '2024-03-01t10:00:00.5z' },
    },
    {
      name: 'a lower-case t and z in a near miss: rewritten to RFC 3339',
      line: { log: LINE, time: '2024-03-01t10:00:00.5 z', kubernetes: { pod_name: POD, namespace_name: 'shop' } },
      env: { pod: POD, timestamp: '2024-03-01T10:00:00.5Z' },
    },
    {
      name: 'a space for the T and before the offset',
      line: { log: LINE, time: '2024-03-01 10:00:00.5 +0000', kubernetes: { pod_name: POD, namespace_name: 'shop' } },
      env: { pod: POD, timestamp: '2024-03-01T10:00:00.5+00:00' },
    },
    {
      name: 'Fluentd (Docker json-file source, kubernetes_metadata filter)',
      line: { log: `${LINE}\n`, stream: 'stderr', docker: { container_id: 'c0ffee' }, kubernetes: { container_name: 'istio-proxy', namespace_name: 'shop', pod_name: POD, labels: LABELS } },
      env: { pod: POD, namespace: 'shop', container: 'istio-proxy', labels: LABELS, stream: 'stderr' },
    },
    {
      name: "Vector's kubernetes_logs source",
      line: { file: '/var/log/pods/x/istio-proxy/0.log', kubernetes: { container_name: 'istio-proxy', pod_labels: LABELS, pod_name: POD, pod_namespace: 'shop' }, message: LINE, source_type: 'kubernetes_logs', stream: 'stdout', timestamp: '2024-03-01T10:00:00.5Z' },
      env: { pod: POD, namespace: 'shop', container: 'istio-proxy', labels: LABELS, timestamp: '2024-03-01T10:00:00.5Z' },
    },
    {
      name: 'Filebeat (ECS) in an Elasticsearch export',
      line: { _index: 'filebeat', _id: '1', _source: { '@timestamp': '2024-03-01T10:00:00.500Z', message: LINE, kubernetes: { pod: { name: POD }, namespace: 'shop', container: { name: 'istio-proxy' }, labels: LABELS } } },
      env: { pod: POD, namespace: 'shop', container: 'istio-proxy', labels: LABELS, timestamp: '2024-03-01T10:00:00.500Z' },
    },
    {
      name: 'ECS written flat, one dotted key per field (Kibana Discover export)',
      line: { '@timestamp': '2024-03-01T10:00:00.500Z', message: LINE, 'kubernetes.pod.name': POD, 'kubernetes.namespace': 'shop', 'kubernetes.container.name': 'istio-proxy', 'kubernetes.labels.app': 'sleep', 'kubernetes.labels.pod-template-hash': '7c7db887d8' },
      env: { pod: POD, namespace: 'shop', container: 'istio-proxy', labels: LABELS, timestamp: '2024-03-01T10:00:00.500Z' },
    },
    {
      name: "OpenTelemetry's resource attributes written flat (k8s.pod.name)",
      line: { timestamp: '2024-03-01T10:00:00.5Z', message: LINE, 'k8s.pod.name': POD, 'k8s.namespace.name': 'shop', 'k8s.container.name': 'istio-proxy' },
      env: { pod: POD, namespace: 'shop', container: 'istio-proxy', timestamp: '2024-03-01T10:00:00.5Z' },
    },
    {
      name: "Loki's logcli --output jsonl",
      line: { labels: { container: 'istio-proxy', namespace: 'shop', pod: POD, app: 'sleep', stream: 'stdout' }, line: LINE, timestamp: '2024-03-01T11:00:00.5+01:00' },
      env: { pod: POD, namespace: 'shop', container: 'istio-proxy', stream: 'stdout', timestamp: '2024-03-01T11:00:00.5+01:00' },
    },
    {
      name: "Grafana's Download logs JSON of Loki rows (the labels under fields)",
      line: { line: LINE, timestamp: '1709290800500000000', date: '2024-03-01T11:00:00.500Z', fields: { container: 'istio-proxy', namespace: 'shop', pod: POD, detected_level: 'info' } },
      env: { pod: POD, namespace: 'shop', container: 'istio-proxy', timestamp: '2024-03-01T11:00:00.500Z' },
    },
    {
      name: 'Google Cloud Logging (textPayload)',
      line: { textPayload: `${LINE}\n`, resource: { type: 'k8s_container', labels: { pod_name: POD, namespace_name: 'shop', container_name: 'istio-proxy' } }, labels: { 'k8s-pod/app': 'sleep', 'compute.googleapis.com/resource_name': 'n1' }, timestamp: '2024-03-01T10:00:00.5Z' },
      env: { pod: POD, namespace: 'shop', container: 'istio-proxy', labels: { app: 'sleep' } },
    },
    {
      name: 'CloudWatch Logs Insights results (@message; the pod from a @logStream Fluent Bit named by its kubelet file)',
      line: { '@timestamp': '2024-03-01 10:00:00.500', '@message': LINE, '@logStream': `ip-10-0-1-2.eu-west-1.compute.internal-application.var.log.containers.${POD}_shop_istio-proxy-${'ab'.repeat(32)}.log`, '@log': '123456789012:/aws/containerinsights/prod/application' },
      env: { pod: POD, namespace: 'shop', container: 'istio-proxy' },
    },
    {
      name: "Splunk's search export (output_mode=json: result._raw, the pod from source)",
      line: { preview: false, offset: 0, result: { _raw: LINE, _time: '2024-03-01T10:00:00.500+00:00', host: 'node-1', source: `/var/log/containers/${POD}_shop_istio-proxy-${'ab'.repeat(32)}.log`, sourcetype: 'kube:container:istio-proxy' } },
      env: { pod: POD, namespace: 'shop', container: 'istio-proxy', timestamp: '2024-03-01T10:00:00.500+00:00' },
    },
  ])('$name', ({ line, env }) => {
    const got = parseLineText(JSON.stringify(line));
    expect(got.kind).toBe('record');
    if (got.kind !== 'record') return;
    expect(got.record.upstream_local_address).toBe('10.108.0.56:33706');
    expect(got.envelope).toMatchObject({ ...env, exported: true });
  });

  it('calls a JSON record that holds an access log where no envelope reader looks malformed (unknown-envelope), not noise', () => {
    const datadog = { data: [{ id: 'A', type: 'log', attributes: { timestamp: '2024-03-01T10:00:00.5Z', message: LINE, tags: [`pod_name:${POD}`] } }] };
    expect(parseLineText(JSON.stringify(datadog))).toEqual({ kind: 'malformed', reason: 'unknown-envelope' });
    const insideFluentBit = { events: [{ logStreamName: 's', timestamp: 1709287200500, message: JSON.stringify({ log: LINE, kubernetes: { pod_name: POD } }) }] };
    expect(parseLineText(JSON.stringify(insideFluentBit))).toEqual({ kind: 'malformed', reason: 'unknown-envelope' });
    // JSON that holds no access log stays what it was: the agent's own JSON lines are not access logs
    expect(parseLineText(JSON.stringify({ level: 'info', time: '2024-03-01T10:00:00.5Z', msg: 'Envoy proxy is ready; ' + 'x'.repeat(60) })).kind).toBe('not-access-log');
  });

  it("calls a JSON entry's upstream_cluster written as YAML (gcloud logging read's default output) malformed, and leaves other YAML keys noise", () => {
    expect(parseLineText('  upstream_cluster: PassthroughCluster')).toEqual({ kind: 'malformed', reason: 'unknown-envelope' });
    expect(parseLineText('  upstream_host: 183.2.172.185:80').kind).toBe('not-access-log');
    expect(parseLineText('concurrency: 2').kind).toBe('not-access-log');
  });

  it("calls a JSON entry's keys inside another text (a CSV cell, a Python dict) malformed, but not a format that names them", () => {
    const csv = '2024-03-01 10:00:00.500,"{""start_time"":""2024-03-01T10:00:00.123Z"",""upstream_cluster"":""PassthroughCluster"",""response_flags"":""-""}",s';
    expect(parseLineText(csv)).toEqual({ kind: 'malformed', reason: 'unknown-envelope' });
    expect(parseLineText("{'start_time': '2024-03-01T10:00:00.123Z', 'upstream_cluster': 'PassthroughCluster'}")).toEqual({ kind: 'malformed', reason: 'unknown-envelope' });
    // the agent quoting the mesh's accessLogFormat: a format, no entry
    expect(parseLineText('accessLogFormat: \'{"start_time":"%START_TIME%","upstream_cluster":"%UPSTREAM_CLUSTER%"}\'').kind).toBe('not-access-log');
  });

  it('calls a text entry inside XML or HTML markup, or with its quotes escaped as XML, malformed (unknown-envelope), not noise', () => {
    const entry = '[2024-03-01T10:00:00.123Z] "GET /get HTTP/1.1" 200 - via_upstream - "-" 0 512 12 11 "-" "curl" "id" "h" "1.2.3.4:80" PassthroughCluster 1.1.1.1:1 2.2.2.2:2 3.3.3.3:3 - -';
    // Splunk's output_mode=xml, its quotes as &quot; (no fragment of a plain entry: was not an access log)
    expect(parseLineText(`\t\t\t<v xml:space='preserve' trunc='0'>${entry.replaceAll('"', '&quot;')}</v>`)).toEqual({ kind: 'malformed', reason: 'unknown-envelope' });
    expect(parseLineText(`<td class="line">${entry.replaceAll('"', '&#34;')}</td>`)).toEqual({ kind: 'malformed', reason: 'unknown-envelope' });
    // with its quotes as they are, inside a tag (was text-before-entry, whose fix names prefixes, not exports)
    expect(parseLineText(`<v xml:space="preserve" trunc="0">${entry}</v>`)).toEqual({ kind: 'malformed', reason: 'unknown-envelope' });
    // a syslog priority is no tag: still text before the entry
    expect(parseLineText(`<134>Mar  1 10:00:00 vm-7 envoy[812]: ${entry}`)).toEqual({ kind: 'malformed', reason: 'text-before-entry' });
    // markup without an entry stays noise
    expect(parseLineText('<field k="source"><value><text>/var/log/containers/x.log</text></value></field>').kind).toBe('not-access-log');
  });

  it("reads Google Cloud Logging's jsonPayload (a JSON access log the logging agent parsed) as that JSON line", () => {
    const access = { start_time: '2024-03-01T10:00:00.123Z', upstream_cluster: 'PassthroughCluster', response_flags: '-', upstream_local_address: '10.108.0.56:33706', duration: 1 };
    const got = parseLineText(JSON.stringify({ jsonPayload: access, resource: { labels: { pod_name: POD, namespace_name: 'shop' } } }));
    expect(got.kind).toBe('record');
    if (got.kind !== 'record') return;
    expect(got.record.upstream_cluster).toBe('PassthroughCluster');
    expect(got.envelope).toMatchObject({ pod: POD, namespace: 'shop' });
  });

  it("takes Fluent Bit's kept `log` when the keys Merge_Log added beside it say where it went as the line does", () => {
    const got = parseLineText(JSON.stringify({ log: LINE, start_time: 'junk', upstream_cluster: 'outbound|2234||istio-egressgateway.istio-system.svc.cluster.local', kubernetes: { pod_name: POD } }));
    expect(got.kind === 'record' && got.record.upstream_cluster).toBe('outbound|2234||istio-egressgateway.istio-system.svc.cluster.local');
    expect(got.kind === 'record' && got.record.start_time).not.toBe('junk');
  });

  it('reads a record whose own access-log keys contradict its `log` or `line` by its own keys: a JSON-shaped TEXT log a client header added them to', () => {
    // Envoy's text formats write a header unescaped: a User-Agent of `x","labels":{...},"line":"<an in-mesh call>` makes
    // the proxy's own JSON-shaped line look like a pipeline's record around a line the client wrote (h42).
    const own = { start_time: '2026-11-02T10:00:01.000Z', upstream_cluster: 'PassthroughCluster', upstream_host: '93.184.216.34:80', response_flags: '-' };
    for (const wrapper of [{ labels: { pod: POD, namespace: 'default' }, line: LINE }, { kubernetes: { pod_name: POD }, log: LINE }]) {
      const got = parseLineText(JSON.stringify({ ...own, user_agent: 'x', ...wrapper }));
      expect(got.kind === 'record' && got.record.upstream_cluster).toBe('PassthroughCluster'); // was the line's gateway cluster
    }
  });

  it("reads a JSON access log Fluent Bit merged into its record (Merge_Log On, Keep_Log Off: no `log` left) with the record's pod", () => {
    const access = { start_time: '2024-03-01T10:00:00.123Z', upstream_cluster: 'PassthroughCluster', response_flags: '-', upstream_local_address: '10.108.0.56:33706', duration: 1 };
    const got = parseLineText(JSON.stringify({ date: 1709287200.5, time: '2024-03-01T10:00:00.5Z', stream: 'stdout', _p: 'F', ...access, kubernetes: { pod_name: POD, namespace_name: 'shop', container_name: 'istio-proxy', labels: LABELS } }));
    expect(got.kind).toBe('record');
    if (got.kind !== 'record') return;
    expect(got.record.upstream_cluster).toBe('PassthroughCluster');
    expect(got.envelope).toMatchObject({ pod: POD, namespace: 'shop', container: 'istio-proxy', labels: LABELS, timestamp: '2024-03-01T10:00:00.5Z', exported: true });
  });

  it('never makes a record of JSON whose access-log keys are all nested (Merge_Log_Key with Keep_Log Off): a record of nulls was an internal flow', () => {
    const access = { start_time: '2024-03-01T10:00:00.123Z', upstream_cluster: 'PassthroughCluster', response_flags: '-', downstream_remote_address: '10.108.0.56:50898' };
    const got = parseLineText(JSON.stringify({ time: '2024-03-01T10:00:00.5Z', stream: 'stdout', log_processed: access, kubernetes: { pod_name: POD } }));
    expect(got).toEqual({ kind: 'malformed', reason: 'format-mismatch' });
  });

  it("reads a JSON access log that is an Elasticsearch export's _source (Filebeat decoded it to the root), not the export's own keys", () => {
    const access = { start_time: '2024-03-01T10:00:00.123Z', upstream_cluster: 'PassthroughCluster', response_flags: '-', upstream_local_address: '10.108.0.56:33706', duration: 1 };
    const got = parseLineText(JSON.stringify({ _index: 'filebeat', _id: '1', _source: { '@timestamp': '2024-03-01T10:00:00.5Z', ...access, kubernetes: { pod: { name: POD }, namespace: 'shop' } } }));
    expect(got.kind === 'record' && got.record).toMatchObject({ upstream_cluster: 'PassthroughCluster', upstream_local_address: '10.108.0.56:33706' });
    expect(got.kind === 'record' && got.envelope).toMatchObject({ pod: POD, namespace: 'shop' });
    const bare = parseLineText(JSON.stringify({ _index: 'istio', _id: '2', _source: access }));
    expect(bare.kind === 'record' && bare.record.upstream_cluster).toBe('PassthroughCluster');
  });

  it('peels a CRI line a pipeline shipped as it was (promtail without its cri stage)', () => {
    const got = parseLineText(JSON.stringify({ labels: { pod: POD, namespace: 'shop' }, line: `2024-03-01T10:00:00.500000000Z stdout F ${LINE}`, timestamp: '2024-03-01T10:00:00.5Z' }));
    expect(got.kind).toBe('record');
    if (got.kind !== 'record') return;
    expect(got.record.downstream_remote_address).toBe('10.108.0.56:50898');
    expect(got.envelope).toMatchObject({ pod: POD, stream: 'stdout', timestamp: '2024-03-01T10:00:00.5Z' });
  });

  it("joins Fluent Bit's CRI parts (_p P, then F) per stream, keeping the first part's pod", () => {
    const p = parser();
    const part = (log: string, tag: string) => JSON.stringify({ time: '2024-03-01T10:00:00.5Z', stream: 'stdout', _p: tag, log, kubernetes: { pod_name: POD } });
    expect(p.parse(part(LINE.slice(0, 50), 'P'))).toBe('partial');
    expect(p.parse(part(LINE.slice(50), 'F'))).toBe('record');
    expect(toRecord(p.view).downstream_remote_address).toBe('10.108.0.56:50898');
    expect(p.view.envelope?.pod).toBe(POD);
  });

  it("joins each pod's parts apart when a pipeline's export interleaves pods (another pod's line between P and F)", () => {
    const p = parser();
    const record = (pod: string, log: string, tag: string) => JSON.stringify({ time: '2024-03-01T10:00:00.5Z', stream: 'stdout', _p: tag, log, kubernetes: { pod_name: pod } });
    const other = LINE.replace('10.108.0.56:50898', '10.108.0.57:50898');
    expect(p.parse(record(POD, LINE.slice(0, 50), 'P'))).toBe('partial');
    expect(p.parse(record('sleep-2', other, 'F'))).toBe('record');
    expect(toRecord(p.view).downstream_remote_address).toBe('10.108.0.57:50898');
    expect(p.parse(record(POD, LINE.slice(50), 'F'))).toBe('record');
    expect(toRecord(p.view).downstream_remote_address).toBe('10.108.0.56:50898');
    expect(p.view.envelope?.pod).toBe(POD);
  });

  it("peels each pod's CRI line inside a Loki export (promtail without its cri stage) while another pod's part waits", () => {
    const p = parser();
    const loki = (pod: string, line: string) => JSON.stringify({ labels: { pod, namespace: 'shop' }, line, timestamp: '2024-03-01T10:00:00.5Z' });
    const cri = (tag: string, text: string) => `2024-03-01T10:00:00.500000000Z stdout ${tag} ${text}`;
    const other = LINE.replace('10.108.0.56:50898', '10.108.0.57:50898');
    expect(p.parse(loki(POD, cri('P', LINE.slice(0, 50))))).toBe('partial');
    expect(p.parse(loki('sleep-2', cri('F', other)))).toBe('record');
    expect(toRecord(p.view).downstream_remote_address).toBe('10.108.0.57:50898');
    expect(p.parse(loki('sleep-3', other))).toBe('record');
    expect(p.view.envelope?.pod).toBe('sleep-3');
    expect(p.parse(loki(POD, cri('F', LINE.slice(50))))).toBe('record');
    expect(toRecord(p.view).downstream_remote_address).toBe('10.108.0.56:50898');
    expect(p.view.envelope?.pod).toBe(POD);
  });

  it('leaves a JSON access log that merely has a key like `message` to the JSON parser', () => {
    const access = { start_time: '2024-03-01T10:00:00.123Z', upstream_cluster: 'PassthroughCluster', response_flags: '-', message: 'hello', duration: 1 };
    const got = parseLineText(JSON.stringify(access));
    expect(got.kind).toBe('record');
    if (got.kind !== 'record') return;
    expect(got.envelope).toBeNull();
    expect(got.record.upstream_cluster).toBe('PassthroughCluster');
  });

  it('drops envelope times that are not times, and keeps an ordinary Docker json-file line unexported', () => {
    const got = parseLineText(JSON.stringify({ log: `${LINE}\n`, stream: 'stdout', time: 'yesterday', date: 12 }));
    expect(got.kind === 'record' && got.envelope).toMatchObject({ timestamp: null, stream: 'stdout', exported: false });
  });

  it('counts the other lines a pipeline exports (an app container, an agent) as not access logs, never as records', () => {
    for (const line of [
      { log: 'GET /healthz 200', kubernetes: { pod_name: POD, container_name: 'app' } },
      { message: '2024-03-01T10:00:00.100985Z\tinfo\tEnvoy proxy is ready', kubernetes: { pod_name: POD } },
      { labels: { pod: POD }, line: '', timestamp: '2024-03-01T10:00:00.5Z' },
    ]) {
      expect(parseLineText(JSON.stringify(line)).kind, JSON.stringify(line)).toBe('not-access-log');
    }
  });
  it('never throws on values nested too deep to write back (JSON.stringify recurses): the line is accounted for', () => {
    const deep = `${'{"a":'.repeat(30_000)}1${'}'.repeat(30_000)}`;
    const access = `{"start_time":"2024-03-01T10:00:00.123Z","upstream_cluster":"PassthroughCluster","response_flags":"-"`;
    // An access log's extra key, one of its fields, a custom JSON format's extra key: malformed, never a throw.
    expect(parseLineText(`${access},"x":${deep}}`, 'auto', 1 << 20)).toEqual({ kind: 'malformed', reason: 'bad-json' });
    expect(parseLineText(`${access},"path":${deep}}`, 'auto', 1 << 20)).toEqual({ kind: 'malformed', reason: 'bad-json' });
    const custom = '{"start":"%START_TIME%","cluster":"%UPSTREAM_CLUSTER%","flags":"%RESPONSE_FLAGS%","x":"%DYNAMIC_METADATA(a)%"}';
    expect(parseLineText(`{"start":"2024-03-01T10:00:00.123Z","cluster":"c","flags":"-","x":${deep}}`, custom, 1 << 20)).toEqual({ kind: 'malformed', reason: 'bad-json' });
    // A pipeline's jsonPayload that deep is no access log to read back.
    expect(parseLineText(`{"jsonPayload":${deep},"resource":{"labels":{"pod_name":"p"}}}`, 'auto', 1 << 20).kind).toBe('not-access-log');
  });
  it("reads logcli's default output: its time, the stream's labels (Go-quoted), padding, then the line", () => {
    const got = parseLineText(`2024-03-01T11:00:00+01:00 {app="sleep", container="istio-proxy", namespace="shop", note="a \\"quoted\\" \\\\ value", pod="${POD}"}    ${LINE}`);
    expect(got.kind).toBe('record');
    if (got.kind !== 'record') return;
    expect(got.record.downstream_remote_address).toBe('10.108.0.56:50898');
    expect(got.envelope).toMatchObject({ timestamp: '2024-03-01T11:00:00+01:00', pod: POD, namespace: 'shop', container: 'istio-proxy', exported: true });
    expect(got.envelope?.labels).toMatchObject({ app: 'sleep', note: 'a "quoted" \\ value' });
    // Without logcli's time before it, a line that starts like a label set is the line itself.
    expect(parseLineText(`{app="sleep"} ${LINE}`).kind).not.toBe('record');
  });

  it("reads Grafana's Download logs text file: its head's common labels name the pod of every row after it", () => {
    const p = parser();
    expect(p.parse(`Common labels: {"container":"istio-proxy","namespace":"shop","pod":"${POD}"}`)).toBe('not-access-log');
    expect(p.parse('')).toBe('not-access-log');
    expect(p.parse(`1709290800500\t2024-03-01T11:00:00.500Z\t${LINE}`)).toBe('record');
    expect(toRecord(p.view).downstream_remote_address).toBe('10.108.0.56:50898');
    expect(p.view.envelope).toMatchObject({ timestamp: '2024-03-01T11:00:00.500Z', pod: POD, namespace: 'shop', container: 'istio-proxy', exported: true });
    // Grafana before 10: the browser's local time (no zone), so no envelope time is kept
    const old = parseLineText(`2024-03-01 12:00:00.500\t${LINE}`);
    expect(old.kind).toBe('record');
    expect(old.kind === 'record' ? old.envelope : 'unread').toBeNull();
  });

  it("reads logcli's default output of one stream, whose labels are all common and so printed as `{}`", () => {
    const got = parseLineText(`2024-03-01T11:00:00+01:00 {} ${LINE}`);
    expect(got.kind).toBe('record');
    if (got.kind !== 'record') return;
    expect(got.record.downstream_remote_address).toBe('10.108.0.56:50898');
    expect(got.envelope).toMatchObject({ timestamp: '2024-03-01T11:00:00+01:00', pod: null, labels: null });
  });
});
