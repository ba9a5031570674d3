/** The mixed-roles warning: one input, or one pod, read as one role while its entries read like another's. */
import type { CoverageWarning } from '../../report/model.js';
import { plural } from '../../text/plural.js';
import type { CoverageFacts } from '../coverage.js';
import { roleFlagOf } from './inputs.js';
import { listed } from './listing.js';

/**
 * The mixed-roles warning: inputs (or pods) holding entries that read like another role's than the one they were read
 * as, so part of their verdicts are wrong, with the way out that fits where the mix is; none when there is none.
 */
export function mixedRoles(f: CoverageFacts): CoverageWarning[] {
  const out: CoverageWarning[] = [];
  const mixed = f.engine.roleConflicts;
  if (mixed.length > 0) {
    const streams = listed(mixed, (c) => {
      const other = c.role === 'sidecar' ? "an egress gateway's" : "a sidecar's";
      const where = c.pod === null ? c.file : `${c.file}, pod ${c.namespace === null ? '' : `${c.namespace}/`}${c.pod}`;
      const counted = c.seen > c.entries ? `${c.conflicting} of ${plural(c.entries, 'sampled entry', 'sampled entries')} (of ${c.seen})` : `${c.conflicting} of ${plural(c.entries, 'entry', 'entries')}`;
      const read = c.role === 'sidecar' ? 'a sidecar' : c.role === 'egress-gateway' ? 'an egress gateway' : 'an ingress gateway, whose entries into the mesh are ingress';
      return `${where} (read as ${read}; ${counted} read like ${other}, e.g. line ${c.firstLine}: ${c.why})`;
    });
    // The way out depends on where the mix is: a file of several proxies needs splitting; a pod named in
    // the log already has its own role, from its name or labels, which --gateway-pod/--sidecar-pod override.
    const ways: string[] = [];
    // A file a role flag named whose every entry reads like the other role's is most likely named by the wrong flag.
    const misflagged = mixed.flatMap((c) => {
      const flag = c.pod === null && c.conflicting === c.entries ? roleFlagOf(f, c.file) : null;
      return flag === null ? [] : [{ c, flag }];
    });
    for (const { c, flag } of misflagged) {
      const other = c.role === 'sidecar' ? '--gateway' : '--sidecar';
      ways.push(`Every entry of ${c.file} reads like ${c.role === 'sidecar' ? "an egress gateway's" : "a sidecar's"}: if it is one proxy's log named by the wrong flag, give it with ${other} instead of ${flag}.`);
    }
    if (mixed.some((c) => c.pod === null && !misflagged.some((m) => m.c === c))) ways.push("Give each proxy's log a file of its own (one per pod, or kubectl logs --prefix) so that each gets its own role.");
    // A pod the egress gateway namespaces refused is no gateway whatever flag names it (--gateway-pod outside them is exit 2).
    const refused = new Set([...f.roles.values()].flatMap((a) => (a.refused === undefined ? [] : [a.refused.pod])));
    const podLabel = (c: (typeof mixed)[number]): string => `${c.namespace === null ? '' : `${c.namespace}/`}${c.pod ?? ''}`;
    if (mixed.some((c) => c.pod !== null && !refused.has(podLabel(c)))) {
      ways.push(
        'A pod named in the log takes its role from its name or labels (an egress gateway is a pod named *egressgateway* or labelled istio=egressgateway, an ingress gateway one named *ingressgateway* or labelled istio=ingressgateway, and an east-west gateway, read as an ingress gateway, one named *eastwestgateway* or labelled istio=eastwestgateway): if a pod listed here is an egress gateway named otherwise, name it with --gateway-pod POD (a glob, or NAMESPACE/POD), an ingress or east-west gateway (a multi-network mesh\'s, which passes other networks\' traffic on) with --ingress-pod POD, and a sidecar read as a gateway with --sidecar-pod.',
      );
    }
    const refusedHere = mixed.filter((c) => c.pod !== null && refused.has(podLabel(c)));
    if (refusedHere.some((c) => c.namespace !== null)) {
      ways.push(
        'A pod outside the egress gateway namespaces is read as a sidecar whatever its name or labels (gateway-pods-refused): its entries that read like a gateway\'s are its own egress, judged as a sidecar\'s. If it is one of the platform\'s gateways, add its namespace to the egress gateway namespaces (mesh.gatewayNamespaces; audit --gateway-namespace adds one, watch --gateway-namespace names the only one).',
      );
    }
    if (refusedHere.some((c) => c.namespace === null)) {
      ways.push(
        'A pod whose input names no namespace (kubectl logs --prefix) is outside any egress gateway namespaces, as nothing shows it is inside: if it is one of the platform\'s gateways, name it with --gateway-pod POD (its name alone), or save the logs with their namespaces (kubelet paths, a log pipeline\'s export).',
      );
    }
    out.push({
      code: 'mixed-roles',
      message: `${plural(mixed.length, 'input seems', 'inputs seem')} to hold the logs of both sidecars and egress gateways, and ${mixed.length === 1 ? 'it was' : 'each was'} read as one role, so part of ${mixed.length === 1 ? 'its' : 'their'} verdicts are wrong (gateway entries as direct, or direct sidecar entries as gateway-only, or a sidecar's inbound entries as ingress): ${streams}. ${ways.join(' ')}`,
      at: mixed.map((c) => ({ file: c.file, line: c.firstLine })),
    });
  }
  return out;
}
