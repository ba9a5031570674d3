import { describe, expect, it } from 'vitest';
import { compileHostGlobs, exceptionHostGlobProblem, globMatch, hostGlobProblem } from '../../src/policy/glob.js';
import { inRanges, ipOf, parseRange, type IpRange } from '../../src/policy/ip.js';

describe('globMatch', () => {
  it.each([
    { glob: '*', text: '', matches: true },
    { glob: '*', text: 'anything.at.all', matches: true },
    { glob: 'a*b', text: 'ab', matches: true },
    { glob: 'a*b', text: 'a.x.b', matches: true },
    { glob: 'a*b', text: 'a.x.bc', matches: false },
    { glob: '*egressgateway*', text: 'istio-egressgateway.istio-system.svc.cluster.local', matches: true },
    { glob: '?', text: '', matches: false },
    { glob: 'a?c', text: 'abc', matches: true },
    { glob: '*.x', text: '.x', matches: true },
    { glob: 'abc', text: 'abcd', matches: false },
  ])('"$glob" against "$text" is $matches', ({ glob, text, matches }) => {
    expect(globMatch(glob, text)).toBe(matches);
  });

  it('answers a many-star glob against a long hostile host without backtracking blow-up', () => {
    expect(globMatch('*a*a*a*a*a*a*a*a*b', 'a'.repeat(60_000))).toBe(false);
  });
});

describe('compileHostGlobs', () => {
  it.each([
    { glob: 'www.googleapis.com', host: 'www.googleapis.com.', matches: true },
    { glob: 'www.googleapis.com.', host: 'www.googleapis.com', matches: true },
    { glob: '*.googleapis.com', host: 'WWW.GoogleAPIs.com.', matches: true },
    { glob: 'googleapis.com', host: 'googleapis.com..', matches: false },
    { glob: '*.googleapis.com', host: 'googleapis.com.', matches: false },
  ])('"$glob" against "$host" is $matches: a DNS name means the same with or without its root dot', ({ glob, host, matches }) => {
    expect(compileHostGlobs([glob])?.(host)).toBe(matches);
  });
});

describe('compileHostGlobs: international names', () => {
  it.each([
    { glob: 'xn--bcher-kva.example', host: 'bücher.example', matches: true },
    { glob: 'bücher.example', host: 'xn--bcher-kva.example', matches: true },
    { glob: '*.xn--bcher-kva.example', host: 'shop.bücher.example', matches: true },
    { glob: '*.bücher.example', host: 'shop.xn--bcher-kva.example', matches: true },
    { glob: '*.bücher.example', host: 'SHOP.BÜCHER.example.', matches: true },
    { glob: 'BÜCHER.example', host: 'XN--BCHER-KVA.EXAMPLE', matches: true },
    { glob: 'b?cher.example', host: 'bücher.example', matches: false }, // ? is one character of the punycode form
    { glob: '*.bücher.example', host: 'bücher.example', matches: false },
    { glob: 'bücher.example', host: 'bucher.example', matches: false },
  ])('"$glob" against "$host" is $matches: Unicode and punycode labels are one name', ({ glob, host, matches }) => {
    expect(compileHostGlobs([glob])?.(host)).toBe(matches);
  });
});

describe('exceptionHostGlobProblem', () => {
  it.each([
    { text: '*.bücher.example', problem: null },
    { text: '*.xn--bcher-kva.example', problem: null },
    { text: 'bü*.example', problem: 'has "*" or "?" inside the label "bü*", which is not ASCII: write that label whole, or in punycode (xn--...)' },
    { text: 'bü b.example', problem: 'has the label "bü b", which is not a valid international domain name' },
    { text: 'goo\u200bgle.com', problem: 'has the label "goo\u200bgle", which holds a character drawn as nothing (a zero-width space, soft hyphen or bidi control): write the name without it' },
    { text: 'bücher.example:443', problem: 'must not hold a port (use ports:)' },
    { text: '!evil.com', problem: 'is not a host glob (letters, digits, ".", "-", "_", and the wildcards "*" and "?")' },
  ])('"$text" gives $problem', ({ text, problem }) => {
    expect(exceptionHostGlobProblem(text)).toBe(problem);
  });

  it('leaves gateway host globs ASCII (Kubernetes service names)', () => {
    expect(hostGlobProblem('*.bücher.example')).not.toBeNull();
  });
});

describe('hostGlobProblem', () => {
  it.each([
    { text: '*.googleapis.com', problem: null },
    { text: 'api_v2.example.com', problem: null },
    { text: '', problem: 'must not be empty' },
    { text: '!evil.com', problem: 'is not a host glob (letters, digits, ".", "-", "_", and the wildcards "*" and "?")' },
    { text: '[ab].example.com', problem: 'is not a host glob (letters, digits, ".", "-", "_", and the wildcards "*" and "?")' },
    { text: `${'a'.repeat(254)}`, problem: 'is longer than a DNS name can be (253)' },
    // A name cut short to its wildcard matches every host once its final dot goes (an absolute name is the same host).
    { text: '*.', problem: 'matches every host, as "*" does (a name cut short?): write "*" if every host is meant' },
    { text: '**', problem: 'matches every host, as "*" does (a name cut short?): write "*" if every host is meant' },
    { text: '*', problem: null },
    { text: '*.*', problem: null },
  ])('"$text" gives $problem', ({ text, problem }) => {
    expect(hostGlobProblem(text)).toBe(problem);
  });
});

describe('parseRange is stricter than ipaddr.js', () => {
  it.each([
    { name: 'an IPv4 CIDR', text: '10.0.0.0/8', ok: true },
    { name: 'an IPv6 CIDR', text: 'fd00::/8', ok: true },
    { name: 'a bare IPv4 address', text: '190.64.31.232', ok: true },
    { name: 'a bare IPv6 address', text: '2001:db8::1', ok: true },
    { name: 'a short form ipaddr.js reads as 0.0.0.10', text: '10/8', ok: false },
    { name: 'an octal-looking octet', text: '010.0.0.0/8', ok: false },
    { name: 'a hex octet', text: '0x7f.0.0.1/32', ok: false },
    { name: 'a prefix past 32', text: '10.0.0.0/33', ok: false },
    { name: 'a prefix past 128', text: 'fd00::/129', ok: false },
    { name: 'a zero-padded prefix', text: '10.0.0.0/08', ok: false },
    { name: 'a host name', text: 'db.example.com', ok: false },
  ])('$name: $ok', ({ text, ok }) => {
    expect(parseRange(text) !== null).toBe(ok);
  });

  it.each([
    { text: '::ffff:104.102.54.251/128', range: '104.102.54.251/32' },
    { text: '::ffff:104.102.54.251', range: '104.102.54.251/32' },
    { text: '::ffff:10.0.0.0/104', range: '10.0.0.0/8' },
    { text: '::ffff:0:0/96', range: '0.0.0.0/0' },
    { text: '::ffff:0:0/64', range: '::ffff:0:0/64' },
  ])('an IPv4-mapped range matches IPv4 traffic as the logs read it: $text is $range', ({ text, range }) => {
    const parsed = parseRange(text);
    expect(parsed === null ? null : `${parsed[0].toString()}/${parsed[1]}`).toBe(range);
  });

  it('matches [::ffff:a.b.c.d]:port in a log against an IPv4-mapped exception', () => {
    expect(inRanges(ipOf('[::ffff:104.102.54.251]:443'), [parseRange('::ffff:104.102.54.251/128') as IpRange])).toBe(true);
    expect(inRanges(ipOf('104.102.54.251:443'), [parseRange('::ffff:104.102.54.251/128') as IpRange])).toBe(true);
  });

  it.each([
    { text: '190.64.31.232:3306', ip: '190.64.31.232' },
    { text: '[2001:db8::7]:443', ip: '2001:db8::7' },
    { text: '[::ffff:190.64.31.5]:3306', ip: '190.64.31.5' },
    { text: '2001:db8::7', ip: '2001:db8::7' },
    { text: 'envoy://internal', ip: null },
    { text: 'www.googleapis.com:443', ip: null },
  ])('ipOf("$text") is $ip', ({ text, ip }) => {
    expect(ipOf(text)?.toString() ?? null).toBe(ip);
  });
});
