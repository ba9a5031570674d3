import { describe, expect, it } from 'vitest';
import { InputError, UsageError } from '../../src/errors.js';
import { mergeSettings, parsePolicy, type Policy, type SettingFlags } from '../../src/policy/index.js';
import { hostMatcher } from '../../src/engine/cluster.js';
import type { AuditSettings } from '../../src/types.js';

const DEFAULTS: AuditSettings = {
  meshCidrs: [],
  clusterDomain: 'cluster.local',
  gatewayHosts: ['*egressgateway*'],
  gatewayNamespaces: [],
  windowMs: 5000,
  maxPending: 200_000,
};

const NO_FLAGS: SettingFlags = { meshCidr: [], clusterDomain: null, gatewayHost: [], gatewayNamespace: [] };
const NO_POLICY: Policy = { settings: {}, exceptions: [], file: null };
const POLICY: Policy = {
  settings: { meshCidrs: ['10.8.0.0/14'], clusterDomain: 'corp.internal', gatewayHosts: ['egress.corp.internal'] },
  exceptions: [],
  file: 'mesh-only.yaml',
};

describe('mergeSettings precedence', () => {
  it.each([
    { name: 'defaults apply when neither policy nor flags say anything', policy: NO_POLICY, flags: NO_FLAGS, expected: DEFAULTS },
    {
      name: 'the policy overrides the defaults',
      policy: POLICY,
      flags: NO_FLAGS,
      expected: { ...DEFAULTS, meshCidrs: ['10.8.0.0/14'], clusterDomain: 'corp.internal', gatewayHosts: ['egress.corp.internal'] },
    },
    {
      name: 'flags override the policy, and lists replace rather than append',
      policy: POLICY,
      flags: { meshCidr: ['172.16.0.0/12', 'fd00::/8'], clusterDomain: 'k8s.local', gatewayHost: ['*-egress*'], gatewayNamespace: [] },
      expected: { ...DEFAULTS, meshCidrs: ['172.16.0.0/12', 'fd00::/8'], clusterDomain: 'k8s.local', gatewayHosts: ['*-egress*'] },
    },
    {
      name: 'each flag overrides only its own setting',
      policy: { ...POLICY, settings: { ...POLICY.settings, gatewayHosts: ['egress-*'] } },
      flags: { ...NO_FLAGS, clusterDomain: 'k8s.local' },
      expected: { ...DEFAULTS, meshCidrs: ['10.8.0.0/14'], clusterDomain: 'k8s.local', gatewayHosts: ['egress-*'] },
    },
    {
      name: 'the policy names the egress gateway namespaces (default: any)',
      policy: { ...NO_POLICY, settings: { gatewayNamespaces: ['istio-system', 'egress-*'] } },
      flags: NO_FLAGS,
      expected: { ...DEFAULTS, gatewayNamespaces: ['istio-system', 'egress-*'] },
    },
    {
      name: '--gateway-namespace replaces the policy\'s gateway namespaces',
      policy: { ...NO_POLICY, settings: { gatewayNamespaces: ['istio-system', 'shop'] } },
      flags: { ...NO_FLAGS, gatewayNamespace: ['istio-egress'] },
      expected: { ...DEFAULTS, gatewayNamespaces: ['istio-egress'] },
    },
    {
      name: 'a partial policy keeps the defaults it does not mention',
      policy: { ...NO_POLICY, settings: { gatewayHosts: ['gw-*'] } },
      flags: NO_FLAGS,
      expected: { ...DEFAULTS, gatewayHosts: ['gw-*'] },
    },
  ])('$name', ({ policy, flags, expected }) => {
    expect(mergeSettings(DEFAULTS, policy, flags)).toEqual(expected);
  });

  it.each([
    ['a literal host under the domain', 'egress.istio-system.svc.cluster.local'],
    ['a glob with no literal tail', 'egress-*'],
    ['a glob whose tail is the end of the domain', '*.local'],
    ['a glob whose tail names the domain', '*-egress.*.svc.cluster.local'],
    ['a glob in capitals', '*.SVC.Cluster.Local'],
    ['a glob ending in a star that a longer host under the domain fits (egress-gw.corp.internal.cluster.local)', 'egress-gw.corp.internal*'],
    ['a glob ending in "?" that stands for the domain\'s last letter', 'egress.istio-system.svc.cluster.loca?'],
    ['a "?" standing for the dot before the domain', 'egress-gw?cluster.local'],
    ['the domain itself', 'cluster.local'],
    ['a star in the middle of the domain', 'egress.*.local'],
    ['a run of stars', 'egress***'],
    ['a fixed-length glob as long as a host under the domain', '??????????.local'],
  ])('takes a gateway host glob that can match a host under the cluster domain: %s', (_, glob) => {
    expect(mergeSettings(DEFAULTS, NO_POLICY, { ...NO_FLAGS, gatewayHost: [glob] }).gatewayHosts).toEqual([glob]);
  });

  it.each([
    ['a literal host outside the domain', 'egress-proxy.corp.internal'],
    ['a glob whose tail is outside the domain', 'egress-*.corp.internal'],
    ['a literal host that only ends like the domain', 'egress.notcluster.local'],
    ['a glob ending in "?" outside the domain', 'egress.corp.interna?'],
    ['a glob ending in "?" after the domain', 'egress.svc.cluster.local?'],
    ['a glob whose wildcards are all before a tail outside the domain', '*egress*.corp.internal'],
    ['a glob whose last label after a star is too short for the domain', 'egress.*.loca'],
    ['a glob of fixed length too short for the domain', '?????.local'],
    ['one character', '?'],
    ['a glob whose tail after "?" only ends like the domain', 'egress?notcluster.local'],
  ])('refuses a --gateway-host that no host under the cluster domain can match (a gateway is a Kubernetes Service): %s', (_, glob) => {
    expect(() => mergeSettings(DEFAULTS, NO_POLICY, { ...NO_FLAGS, gatewayHost: [glob] })).toThrow(UsageError);
    expect(() => mergeSettings(DEFAULTS, NO_POLICY, { ...NO_FLAGS, gatewayHost: [glob] })).toThrow(`--gateway-host: "${glob}" can match no host under the cluster domain cluster.local`);
  });

  it('refuses mesh.gatewayHosts that a --cluster-domain flag leaves outside the domain, naming the policy file (exit 3)', () => {
    const merge = (): unknown => mergeSettings(DEFAULTS, POLICY, { ...NO_FLAGS, clusterDomain: 'k8s.local' });
    expect(merge).toThrow(InputError);
    expect(merge).toThrow('mesh-only.yaml: mesh.gatewayHosts: "egress.corp.internal" can match no host under the cluster domain k8s.local');
  });

  it('names the file, line and entry of a dead mesh.gatewayHosts glob in a policy file (exit 3)', () => {
    const policy = parsePolicy('apiVersion: egress-audit/v1\nkind: EgressPolicy\nmesh:\n  gatewayHosts:\n    - "*egressgateway*"\n    - egress.corp.interna?\n', 'policy.yaml');
    const merge = (): unknown => mergeSettings(DEFAULTS, policy, NO_FLAGS);
    expect(merge).toThrow(InputError);
    expect(merge).toThrow('policy.yaml:6:7: mesh.gatewayHosts[1]: "egress.corp.interna?" can match no host under the cluster domain cluster.local');
  });

  it('decides with the glob dialect the engine matches gateway hosts by: a run of stars is one star', () => {
    // picomatch alone reads a leading `***` so that the dots after it match any character.
    const match = hostMatcher(['***gw.svc.cluster.local']);
    expect(match('egress-gw.svc.cluster.local')).toBe(true);
    expect(match('egress-gw-svc.cluster.local')).toBe(false);
  });

  it('returns fresh lists, so changing the result cannot change the policy or defaults', () => {
    const merged = mergeSettings(DEFAULTS, POLICY, NO_FLAGS);
    merged.meshCidrs.push('1.2.3.0/24');
    merged.gatewayHosts.push('x');
    expect(POLICY.settings.meshCidrs).toEqual(['10.8.0.0/14']);
    expect(DEFAULTS.gatewayHosts).toEqual(['*egressgateway*']);
  });

  it('hands IPv4-mapped mesh ranges on as the IPv4 ranges they cover, as exceptions read them', () => {
    const policy: Policy = { ...NO_POLICY, settings: { meshCidrs: ['::ffff:172.16.0.0/108', 'fd00::/8'] } };
    expect(mergeSettings(DEFAULTS, policy, NO_FLAGS).meshCidrs).toEqual(['172.16.0.0/12', 'fd00::/8']);
    expect(mergeSettings(DEFAULTS, NO_POLICY, { ...NO_FLAGS, meshCidr: ['::ffff:10.0.0.5', '10.0.0.0/8'] }).meshCidrs).toEqual(['10.0.0.5/32', '10.0.0.0/8']);
  });

  it('takes wide private ranges and public blocks a cluster may own', () => {
    // A cluster on public addresses of its own (Apple's 17/8, a /32 of IPv6) is no sixteenth of the internet.
    const meshCidr = ['10.0.0.0/8', '100.64.0.0/10', '17.0.0.0/8', '34.0.0.0/8', 'fd00::/8', '2600:1f00::/24', '240.0.0.0/4'];
    expect(mergeSettings(DEFAULTS, NO_POLICY, { ...NO_FLAGS, meshCidr }).meshCidrs).toEqual(meshCidr);
  });

  it.each([
    { name: 'a bad --mesh-cidr', flags: { ...NO_FLAGS, meshCidr: ['10.0.0.0/8', '10/8'] }, message: '--mesh-cidr: "10/8" is not a CIDR (such as 10.0.0.0/8 or fd00::/8) or an IP address' },
    { name: 'a --mesh-cidr with address bits past its prefix', flags: { ...NO_FLAGS, meshCidr: ['fd00::1/8'] }, message: '--mesh-cidr: "fd00::1/8" has address bits set past its /8 prefix, so it is all of fd00::/8: write that, or fd00::1/128 for the one address' },
    // ipaddr.js keeps an IPv6 zone: it read as address bits past the prefix, and the one address suggested was refused again.
    { name: 'a --mesh-cidr with an IPv6 zone', flags: { ...NO_FLAGS, meshCidr: ['fe80::%eth0/64'] }, message: '--mesh-cidr: "fe80::%eth0/64" has a zone (%eth0), which names a network interface, not addresses: write fe80::/64' },
    { name: 'a --mesh-cidr of one zoned address', flags: { ...NO_FLAGS, meshCidr: ['fe80::1%2'] }, message: '--mesh-cidr: "fe80::1%2" has a zone (%2), which names a network interface, not addresses: write fe80::1' },
    { name: 'a --mesh-cidr of every address', flags: { ...NO_FLAGS, meshCidr: ['::ffff:0:0/96'] }, message: '--mesh-cidr: "::ffff:0:0/96" puts every IPv4 address inside the mesh, so no flow to one could be found direct: name the pod and service ranges' },
    { name: 'halves of every address in two --mesh-cidr', flags: { ...NO_FLAGS, meshCidr: ['0.0.0.0/1', '128.0.0.0/1'] }, message: '--mesh-cidr: "0.0.0.0/1, 128.0.0.0/1" together put every IPv4 address inside the mesh, so no flow to one could be found direct: name the pod and service ranges' },
    { name: 'quarters of every address, out of order and overlapping', flags: { ...NO_FLAGS, meshCidr: ['192.0.0.0/2', '10.0.0.0/8', '0.0.0.0/2', '128.0.0.0/2', '64.0.0.0/2'] }, message: '--mesh-cidr: "192.0.0.0/2, 10.0.0.0/8, 0.0.0.0/2, 128.0.0.0/2, 64.0.0.0/2" together put every IPv4 address inside the mesh, so no flow to one could be found direct: name the pod and service ranges' },
    // Most of the internet without every address: only multicast and reserved space left out.
    { name: 'ranges that hold most public IPv4 addresses', flags: { ...NO_FLAGS, meshCidr: ['0.0.0.0/1', '128.0.0.0/2', '192.0.0.0/3'] }, message: '--mesh-cidr: "0.0.0.0/1, 128.0.0.0/2, 192.0.0.0/3" together put 3,702,258,688 public IPv4 addresses (more than 16 /8s) inside the mesh, so a direct flow to most of the internet would read internal: name the pod and service ranges' },
    { name: 'a range of IPv6 global unicast wider than a /16', flags: { ...NO_FLAGS, meshCidr: ['2400::/6'] }, message: '--mesh-cidr: "2400::/6" puts more than a /16 of IPv6 global unicast (2000::/3) inside the mesh, so a direct flow to most of the internet would read internal: name the pod and service ranges' },
    // An IPv6-only pod reaches IPv4 hosts through DNS64 at 64:ff9b::<IPv4>, judged as the IPv4 address it carries.
    { name: 'the NAT64 prefix beside a pod range', flags: { ...NO_FLAGS, meshCidr: ['fd00:10:244::/48', '64:ff9b::/96'] }, message: '--mesh-cidr: "64:ff9b::/96" holds addresses that carry IPv4 ones (64:ff9b::/96), which are judged as the IPv4 address they carry, so it would put that part of the internet inside the mesh: name the IPv4 ranges instead' },
    { name: 'a range that holds the NAT64 prefix', flags: { ...NO_FLAGS, meshCidr: ['::/1'] }, message: '--mesh-cidr: "::/1" holds addresses that carry IPv4 ones (64:ff9b::/96), which are judged as the IPv4 address they carry, so it would put that part of the internet inside the mesh: name the IPv4 ranges instead' },
    { name: 'the 6to4 range', flags: { ...NO_FLAGS, meshCidr: ['2002::/16'] }, message: '--mesh-cidr: "2002::/16" holds addresses that carry IPv4 ones (2002::/16), which are judged as the IPv4 address they carry, so it would put that part of the internet inside the mesh: name the IPv4 ranges instead' },
    { name: 'a bad --gateway-namespace', flags: { ...NO_FLAGS, gatewayNamespace: ['istio-system', 'Shop/x'] }, message: '--gateway-namespace: "Shop/x" is not a namespace glob (lower-case letters, digits, ".", "-", "*", "?")' },
    { name: 'a bad --gateway-host', flags: { ...NO_FLAGS, gatewayHost: ['gw:15443'] }, message: '--gateway-host: "gw:15443" is not a host glob (letters, digits, ".", "-", "_", "*", "?")' },
    { name: 'a bad --cluster-domain', flags: { ...NO_FLAGS, clusterDomain: 'Cluster Local' }, message: '--cluster-domain: "Cluster Local" is not a DNS domain such as cluster.local' },
    { name: 'a --cluster-domain with an empty label, which mesh.clusterDomain refuses', flags: { ...NO_FLAGS, clusterDomain: 'cluster..local' }, message: '--cluster-domain: "cluster..local" is not a DNS domain such as cluster.local' },
  ])('rejects $name as a usage error (exit 2)', ({ flags, message }) => {
    expect(() => mergeSettings(DEFAULTS, NO_POLICY, flags)).toThrow(new UsageError(message));
    expect(() => mergeSettings(DEFAULTS, NO_POLICY, flags)).toThrow(expect.objectContaining({ exitCode: 2 }));
  });
});
