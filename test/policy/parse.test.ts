import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { InputError } from '../../src/errors.js';
import { loadPolicy, parsePolicy, type Policy } from '../../src/policy/index.js';

const FIXTURES = 'fixtures/policy';
const INVALID = `${FIXTURES}/invalid`;

async function fixture(name: string): Promise<string> {
  return readFile(join(FIXTURES, name), 'utf8');
}

function thrownBy(fn: () => unknown): InputError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return err as InputError;
  }
  throw new Error('expected an InputError, nothing was thrown');
}

describe('parsePolicy on valid files', () => {
  it('reads a quoted port as that port, as it reads a quoted range ("443" was refused while "443-443" was taken)', () => {
    const text = 'apiVersion: egress-audit/v1\nkind: EgressPolicy\nallow:\n  - id: api\n    reason: Vendor API.\n    hosts: [api.vendor.example]\n    ports: ["443", 8443, "9000-9001"]\n';
    expect(parsePolicy(text, 'quoted.yaml').exceptions[0]?.ports).toEqual([{ from: 443, to: 443 }, { from: 8443, to: 8443 }, { from: 9000, to: 9001 }]);
  });

  it('reads a policy with a %YAML 1.2 directive as one without it (0443 is port 443)', () => {
    const text = 'apiVersion: egress-audit/v1\nkind: EgressPolicy\nallow:\n  - id: api\n    reason: Vendor API.\n    hosts: [api.vendor.example]\n    ports: [0443]\n';
    expect(parsePolicy(`%YAML 1.2\n---\n${text}`, 'v12.yaml').exceptions[0]?.ports).toEqual([{ from: 443, to: 443 }]);
    expect(parsePolicy(text, 'plain.yaml').exceptions[0]?.ports).toEqual([{ from: 443, to: 443 }]);
  });

  it('reads every field of the full example', async () => {
    const expected: Policy = {
      file: 'full.yaml',
      settings: {
        meshCidrs: ['10.0.0.0/8', 'fd00::/8'],
        clusterDomain: 'cluster.local',
        gatewayHosts: ['*egressgateway*', 'egress.istio-egress.svc.cluster.local'],
        gatewayNamespaces: ['istio-system', 'istio-egress'],
      },
      gatewayHostPositions: ['14:18', '14:37'],
      exceptions: [
        {
          id: 'googleapis-direct',
          reason: 'Google APIs are called with workload identity and the firewall allows them for the default namespace (SEC-1234).',
          expires: '2027-03-31',
          verdicts: ['direct'],
          hosts: ['www.googleapis.com', '*.googleapis.com'],
          cidrs: [],
          ports: [{ from: 443, to: 443 }],
          from: { namespaces: ['default'], workloads: [], cidrs: [] },
          line: 22,
        },
        {
          id: 'external-db',
          reason: 'Legacy database outside the cluster; migration tracked in DB-42.',
          expires: '2026-12-31',
          verdicts: ['direct'],
          hosts: [],
          cidrs: ['190.64.31.232/32'],
          ports: [{ from: 3306, to: 3306 }],
          from: { namespaces: [], workloads: ['default/ratings-v1', 'reviews-*'], cidrs: [] },
          line: 32,
        },
        {
          id: 'partner-batch-vm',
          reason: 'A VM outside the mesh calls the partner API through the gateway.',
          expires: null,
          verdicts: ['gateway-only'],
          hosts: ['api.partner.example'],
          cidrs: [],
          ports: [{ from: 8000, to: 8100 }],
          from: { namespaces: [], workloads: [], cidrs: ['192.168.10.0/24'] },
          line: 42,
        },
      ],
    };
    expect(parsePolicy(await fixture('full.yaml'), 'full.yaml')).toEqual(expected);
  });

  it('reads a policy that only describes the mesh, with no exceptions', async () => {
    const policy = parsePolicy(await fixture('mesh-only.yaml'), 'mesh-only.yaml');
    expect(policy.settings).toEqual({
      meshCidrs: ['10.8.0.0/14'],
      clusterDomain: 'corp.internal',
      gatewayHosts: ['egress.istio-egress.svc.corp.internal'],
    });
    expect(policy.exceptions).toEqual([]);
  });

  it('leaves settings the file does not mention unset and defaults verdicts to direct', async () => {
    const policy = parsePolicy(await fixture('demo.yaml'), 'demo.yaml');
    expect(policy.settings).toEqual({});
    expect(policy.exceptions.map((e) => [e.id, e.verdicts, e.expires])).toEqual([
      ['googleapis', ['direct'], '2099-12-31'],
      ['google-http', ['direct'], '2025-06-30'],
    ]);
  });

  it('keeps the commented example in docs/policy.md identical to fixtures/policy/full.yaml', async () => {
    const doc = await readFile('docs/policy.md', 'utf8');
    const block = /```yaml\n(# egress-policy\.yaml[\s\S]*?)```/.exec(doc)?.[1];
    expect(block).toBe(await fixture('full.yaml'));
  });

  it('accepts every YAML example in docs/policy.md', async () => {
    const doc = await readFile('docs/policy.md', 'utf8');
    const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] as string);
    expect(blocks).toHaveLength(2);
    for (const block of blocks) expect(parsePolicy(block, 'docs/policy.md').exceptions.length).toBeGreaterThan(0);
  });
});

const INVALID_CASES: { name: string; message: string }[] = [
  { name: 'yaml-syntax', message: '6:5: YAML syntax: Flow sequence in block collection must be sufficiently indented and end with a ]' },
  { name: 'duplicate-key', message: '3:1: kind: duplicate key (first on line 2)' },
  { name: 'duplicate-nested-key', message: '8:5: allow[0].expires: duplicate key (first on line 7)' },
  // YAML 1.1 reads `7:23` as 443 (base 60) and `0443` as 291 (octal); 1.3 is no version the parser knows.
  { name: 'yaml-1-1-directive', message: '1:1: %YAML 1.1: a policy file is read as YAML 1.2 (0443 is 443, 7:23 a string); remove the directive or write %YAML 1.2' },
  { name: 'yaml-1-3-directive', message: '2:1: %YAML 1.3: a policy file is read as YAML 1.2 (0443 is 443, 7:23 a string); remove the directive or write %YAML 1.2' },
  // YAML 1.2 still resolves explicit tags: `!!int "0x10"` is port 16, `!vendor` drops its tag, `!!timestamp` is a Date,
  // `!!binary` a buffer, `!!float 443` the string "443"; each is refused where it is written.
  { name: 'tag-int', message: '7:13: !!int: explicit tags are refused in a policy file (a tag makes a value other than it reads as: !!int "0x10" is 16); remove it, quoting the value if it must stay a string' },
  { name: 'tag-custom', message: '5:13: !vendor: explicit tags are refused in a policy file (a tag makes a value other than it reads as: !!int "0x10" is 16); remove it, quoting the value if it must stay a string' },
  {
    name: 'tag-each',
    message: [
      '7:14: !!timestamp: explicit tags are refused in a policy file (a tag makes a value other than it reads as: !!int "0x10" is 16); remove it, quoting the value if it must stay a string',
      '9:13: !!binary: explicit tags are refused in a policy file (a tag makes a value other than it reads as: !!int "0x10" is 16); remove it, quoting the value if it must stay a string',
      '11:13: !!float: explicit tags are refused in a policy file (a tag makes a value other than it reads as: !!int "0x10" is 16); remove it, quoting the value if it must stay a string',
    ].join('\nfixtures/policy/invalid/tag-each.yaml:'),
  },
  { name: 'multiple-documents', message: '3:1: YAML syntax: a policy file holds a single YAML document (remove the second "---")' },
  { name: 'empty', message: '1:1: the policy is empty (a mapping with apiVersion: egress-audit/v1 and kind: EgressPolicy)' },
  { name: 'not-a-mapping', message: '1:1: must be a mapping with apiVersion: egress-audit/v1 and kind: EgressPolicy, not a list' },
  { name: 'wrong-api-version', message: '1:13: apiVersion: must be "egress-audit/v1"' },
  { name: 'missing-kind', message: '1:1: kind: is missing (expected "EgressPolicy")' },
  { name: 'unknown-top-level-key', message: '3:1: allowed: unknown key (expected one of: apiVersion, kind, mesh, allow)' },
  // A key one typo from a known one (a letter added, dropped, changed, or two swapped) is named; `allowed` is two from `allow`.
  { name: 'unknown-exception-key', message: '7:5: allow[0].expire: unknown key (did you mean "expires"? expected one of: id, reason, expires, verdicts, hosts, cidrs, ports, from)' },
  {
    name: 'typo-host-port',
    message: [
      '4:5: allow[0]: needs hosts or cidrs to name its destinations (hosts: ["*"] matches all)',
      '6:5: allow[0].host: unknown key (did you mean "hosts"? expected one of: id, reason, expires, verdicts, hosts, cidrs, ports, from)',
      '7:5: allow[0].port: unknown key (did you mean "ports"? expected one of: id, reason, expires, verdicts, hosts, cidrs, ports, from)',
    ].join('\nfixtures/policy/invalid/typo-host-port.yaml:'),
  },
  {
    name: 'typo-swapped',
    message: [
      '7:5: allow[0].hsots: unknown key (did you mean "hosts"? expected one of: id, reason, expires, verdicts, hosts, cidrs, ports, from)',
      '8:5: allow[0].frm: unknown key (did you mean "from"? expected one of: id, reason, expires, verdicts, hosts, cidrs, ports, from)',
    ].join('\nfixtures/policy/invalid/typo-swapped.yaml:'),
  },
  // YAML 1.1's merge key is a key like any other in YAML 1.2: said as what it is, not as an unknown key.
  {
    name: 'merge-key',
    message: [
      '4:5: allow[0].reason: is missing (expected a sentence in visible characters saying why this is allowed)',
      '4:5: allow[0]: needs hosts or cidrs to name its destinations (hosts: ["*"] matches all)',
      '5:5: allow[0]["<<"]: is a YAML merge key, which the policy does not read (YAML 1.2): write the keys out (expected one of: id, reason, expires, verdicts, hosts, cidrs, ports, from)',
    ].join('\nfixtures/policy/invalid/merge-key.yaml:'),
  },
  { name: 'unknown-from-key', message: '8:7: allow[0].from.namespace: unknown key (did you mean "namespaces"? expected one of: namespaces, workloads, cidrs)' },
  { name: 'impossible-date', message: '7:14: allow[0].expires: "2027-02-30" must be a date (YYYY-MM-DD)' },
  { name: 'date-as-number', message: '7:14: allow[0].expires: 20270101 must be a date (YYYY-MM-DD), not a number' },
  { name: 'missing-reason', message: '4:5: allow[0].reason: is missing (expected a sentence in visible characters saying why this is allowed)' },
  { name: 'blank-reason', message: '5:13: allow[0].reason: must be a sentence in visible characters saying why this is allowed' },
  // Drawn as nothing: a zero-width space, a Hangul filler, a space and a soft hyphen.
  { name: 'invisible-reason', message: '5:13: allow[0].reason: must be a sentence in visible characters saying why this is allowed' },
  { name: 'id-not-a-string', message: '4:9: allow[0].id: must be an id of letters, digits, ".", "_" and "-" (at most 63), not a number' },
  { name: 'allow-not-a-list', message: '4:3: allow: must be a list of exceptions, not a mapping' },
  { name: 'bad-cidr', message: '6:29: allow[0].cidrs[1]: "10/8" is not a CIDR (such as 10.0.0.0/8 or fd00::/8) or an IP address' },
  { name: 'bad-mesh-cidr', message: '4:11: mesh.cidrs[0]: "10.0.0.0/33" is not a CIDR (such as 10.0.0.0/8 or fd00::/8) or an IP address' },
  // Read as ipaddr.js (and Go) read it, this is all of 190.0.0.0/8, not the one address it looks like.
  { name: 'cidr-broader-than-written', message: '6:13: allow[0].cidrs[0]: "190.64.31.232/8" has address bits set past its /8 prefix, so it is all of 190.0.0.0/8: write that, or 190.64.31.232/32 for the one address' },
  { name: 'zoned-cidr', message: '6:29: allow[0].cidrs[1]: "fe80::%eth0/64" has a zone (%eth0), which names a network interface, not addresses: write fe80::/64' },
  { name: 'mesh-cidr-everything', message: '4:23: mesh.cidrs[1]: "0.0.0.0/0" puts every IPv4 address inside the mesh, so no flow to one could be found direct: name the pod and service ranges' },
  // A /0 split in halves to pass the check above: the ranges together hold every address.
  { name: 'mesh-cidr-nat64', message: '4:29: mesh.cidrs[1]: "64:ff9b::/96" holds addresses that carry IPv4 ones (64:ff9b::/96), which are judged as the IPv4 address they carry, so it would put that part of the internet inside the mesh: name the IPv4 ranges instead' },
  { name: 'mesh-cidr-everything-split', message: '4:10: mesh.cidrs: together put every IPv4 address inside the mesh, so no flow to one could be found direct: name the pod and service ranges' },
  { name: 'brace-glob', message: '6:13: allow[0].hosts[0]: "{a,b}.vendor.example" is not a host glob (letters, digits, ".", "-", "_", and the wildcards "*" and "?")' },
  { name: 'host-empty-label', message: '6:13: allow[0].hosts[0]: "api..vendor.example" has an empty label (".." or a leading "."), which no host name has' },
  { name: 'empty-gateway-namespaces', message: '4:22: mesh.gatewayNamespaces: must not be empty (leave it out for egress gateways in any namespace)' },
  { name: 'gateway-namespaces-not-a-list', message: '4:22: mesh.gatewayNamespaces: must be a list of namespace globs such as istio-system, not a string' },
  { name: 'bad-gateway-namespace', message: '4:39: mesh.gatewayNamespaces[1]: "Egress/x" is not a namespace glob (lower-case letters, digits, ".", "-", "*", "?")' },
  { name: 'empty-gateway-hosts', message: '4:17: mesh.gatewayHosts: must not be empty (leave it out for the default, "*egressgateway*")' },
  { name: 'quoted-port-zero', message: '7:13: allow[0].ports[0]: "0" must be a port (1-65535) or a range such as "8000-8100"' },
  { name: 'host-with-port', message: '6:13: allow[0].hosts[0]: "api.vendor.example:443" must not hold a port (use ports:)' },
  { name: 'port-zero', message: '7:13: allow[0].ports[0]: 0 must be a port (1-65535) or a range such as "8000-8100"' },
  { name: 'reversed-port-range', message: '7:13: allow[0].ports[0]: "9000-80" must be a range from a lower to a higher port' },
  // YAML 1.2 reads 0o773 as 507, 0x1bb as 443, 8e2 as 800: a port is taken only as the decimal digits it reads as.
  { name: 'port-not-decimal', message: '7:13: allow[0].ports[0]: 0o773 is 507 to YAML (0x is hexadecimal, 0o octal, e an exponent, . a fraction): write the port in decimal digits' },
  { name: 'port-fraction', message: '7:13: allow[0].ports[0]: 443.5 must be a port (1-65535) or a range such as "8000-8100", not a fraction' },
  { name: 'unknown-verdict', message: '7:24: allow[0].verdicts[1]: must be a verdict (direct, blocked, via-gateway-unconfirmed, gateway-only, via-gateway, internal, inbound, ingress)' },
  { name: 'empty-verdicts', message: '7:15: allow[0].verdicts: must not be empty' },
  { name: 'empty-ports', message: '7:12: allow[0].ports: must not be empty (leave ports out for any port)' },
  { name: 'empty-from-list', message: '8:19: allow[0].from.namespaces: must not be empty (leave it out for any caller)' },
  { name: 'duplicate-id', message: '7:9: allow[1].id: duplicate id "api" (first used by allow[0])' },
  // The second exception is an alias of the first: its problem is where the alias is written, not at the anchor.
  { name: 'aliased-duplicate-id', message: '8:5: allow[1].id: duplicate id "api" (first used by allow[0])' },
  { name: 'no-destination', message: '4:5: allow[0]: needs hosts or cidrs to name its destinations (hosts: ["*"] matches all)' },
  { name: 'bad-workload-glob', message: '8:19: allow[0].from.workloads[0]: "default/app/extra" is not a workload glob ("name" or "namespace/name"; lower-case letters, digits, ".", "-", "*", "?")' },
  { name: 'bad-cluster-domain', message: '4:18: mesh.clusterDomain: "Cluster_Local" must be a DNS domain such as cluster.local' },
];

describe('parsePolicy on invalid files', () => {
  it.each(INVALID_CASES)('rejects $name naming file, line, column and field', async ({ name, message }) => {
    const file = `${INVALID}/${name}.yaml`;
    const text = await readFile(file, 'utf8');
    const err = thrownBy(() => parsePolicy(text, file));
    expect(err.exitCode).toBe(3);
    expect(err.message).toBe(`${file}:${message}`);
  });

  it('has a table row for every file in fixtures/policy/invalid', async () => {
    const files = (await readdir(INVALID)).map((f) => f.replace(/\.yaml$/, '')).sort();
    expect(files).toEqual(INVALID_CASES.map((c) => c.name).sort());
  });

  it.each(['namespaces', 'workloads', 'cidrs'])('rejects an empty from.%s rather than letting every caller through', (key) => {
    const text = `apiVersion: egress-audit/v1\nkind: EgressPolicy\nallow:\n  - id: a\n    reason: r\n    hosts: [a.example]\n    from: {${key}: []}\n`;
    const err = thrownBy(() => parsePolicy(text, 'p.yaml'));
    expect(err.message).toMatch(new RegExp(`^p\\.yaml:7:\\d+: allow\\[0\\]\\.from\\.${key}: must not be empty`));
  });

  it('takes a port written in decimal digits (a leading 0 or + too, as YAML 1.2 reads them) and refuses every other number form', () => {
    const policy = (ports: string): string => `apiVersion: egress-audit/v1\nkind: EgressPolicy\nallow:\n  - id: a\n    reason: r\n    hosts: [a.example]\n    ports: [${ports}]\n`;
    expect(parsePolicy(policy('443, 0443, +443, "8000-8100"'), 'p.yaml').exceptions[0]?.ports).toEqual([
      { from: 443, to: 443 },
      { from: 443, to: 443 },
      { from: 443, to: 443 },
      { from: 8000, to: 8100 },
    ]);
    const err = thrownBy(() => parsePolicy(policy('0x1bb, 8e2, 443.0'), 'p.yaml'));
    expect(err.message.split('\n').map((line) => line.replace(/ to YAML .*/, ''))).toEqual([
      'p.yaml:7:13: allow[0].ports[0]: 0x1bb is 443',
      'p.yaml:7:20: allow[0].ports[1]: 8e2 is 800',
      'p.yaml:7:25: allow[0].ports[2]: 443.0 is 443',
    ]);
  });

  it('rejects an empty from mapping rather than letting every caller through', () => {
    const text = 'apiVersion: egress-audit/v1\nkind: EgressPolicy\nallow:\n  - id: a\n    reason: r\n    hosts: [a.example]\n    from: {}\n';
    const err = thrownBy(() => parsePolicy(text, 'p.yaml'));
    expect(err.message).toBe('p.yaml:7:11: allow[0].from: must not be empty (leave from out for any caller)');
  });

  it('lists every problem of a file, schema and semantic alike, in file order', async () => {
    const text = await fixture('many-problems.yaml');
    const err = thrownBy(() => parsePolicy(text, 'many-problems.yaml'));
    expect(err.message.split('\n')).toEqual([
      'many-problems.yaml:8:14: allow[0].expires: "31/12/2027" must be a date (YYYY-MM-DD)',
      'many-problems.yaml:9:5: allow[1].reason: is missing (expected a sentence in visible characters saying why this is allowed)',
      'many-problems.yaml:13:13: allow[2].cidrs[0]: "300.1.2.3/8" is not a CIDR (such as 10.0.0.0/8 or fd00::/8) or an IP address',
    ]);
  });

  it('rejects a key that is a list or mapping with exit 3 alone, no Node warning on stderr', () => {
    const warn = vi.spyOn(process, 'emitWarning');
    try {
      const err = thrownBy(() => parsePolicy('apiVersion: egress-audit/v1\nkind: EgressPolicy\n? [a]\n: b\n', 'p.yaml'));
      expect(err.message).toContain('unknown key');
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });

  it('escapes control characters that the file puts into a message', () => {
    const text = 'apiVersion: egress-audit/v1\nkind: EgressPolicy\n"\\e[31mred": 1\n';
    const err = thrownBy(() => parsePolicy(text, 'evil\u001b.yaml'));
    expect(err.message).toBe('evil\\e.yaml:3:1: ["\\u001b[31mred"]: unknown key (expected one of: apiVersion, kind, mesh, allow)');
    expect(err.message).not.toContain('\u001b');
  });
});

describe('loadPolicy', () => {
  it('loads a file and records its path', async () => {
    const policy = await loadPolicy(`${FIXTURES}/demo.yaml`);
    expect(policy.file).toBe(`${FIXTURES}/demo.yaml`);
    expect(policy.exceptions).toHaveLength(2);
  });

  it('reads a file saved as UTF-16 with a byte-order mark (Windows PowerShell 5.1\'s Out-File), as the UTF-8 one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'egress-policy-'));
    const text = (await readFile(`${FIXTURES}/demo.yaml`, 'utf8')).replaceAll('\n', '\r\n');
    for (const [name, bytes] of [
      ['le.yaml', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')])],
      ['be.yaml', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()])],
    ] as const) {
      await writeFile(join(dir, name), bytes);
      const policy = await loadPolicy(join(dir, name));
      expect(policy.exceptions.map((e) => e.id)).toEqual((await loadPolicy(`${FIXTURES}/demo.yaml`)).exceptions.map((e) => e.id));
    }
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    { name: 'a missing file', path: 'no-such-policy.yaml', why: 'no such file' },
    { name: 'a directory', path: FIXTURES, why: 'is a directory, not a file' },
  ])('rejects $name with exit code 3, naming it', async ({ path, why }) => {
    const dir = await mkdtemp(join(tmpdir(), 'egress-policy-'));
    const target = path === FIXTURES ? dir : join(dir, path);
    await expect(loadPolicy(target)).rejects.toThrow(new InputError(`${target}: cannot read policy file: ${why}`));
    await expect(loadPolicy(target)).rejects.toMatchObject({ exitCode: 3 });
    await rm(dir, { recursive: true, force: true });
  });
});

describe('a policy error quoting a value', () => {
  it('shows a tab as one escape and a literal backslash doubled: the two read differently', () => {
    const policy = (host: string): string => `apiVersion: egress-audit/v1\nkind: EgressPolicy\nallow:\n  - {id: a, reason: b, hosts: [${JSON.stringify(host)}]}\n`;
    expect(thrownBy(() => parsePolicy(policy('a\tb'), 'p.yaml')).message).toContain('"a\\tb" is not a host glob');
    expect(thrownBy(() => parsePolicy(policy('a\\tb'), 'p.yaml')).message).toContain('"a\\\\tb" is not a host glob');
  });
});

describe('a policy with many YAML syntax errors', () => {
  it('lists the first 20 and counts the rest, as it does other problems', () => {
    const text = `apiVersion: egress-audit/v1\nkind: EgressPolicy\nmesh:\n${Array.from({ length: 26 }, () => '  clusterDomain: a.local\n').join('')}`;
    const message = thrownBy(() => parsePolicy(text, 'p.yaml')).message;
    expect(message.match(/duplicate key/g)).toHaveLength(20);
    expect(message).toContain('p.yaml: and 5 more problems');
  });
});
