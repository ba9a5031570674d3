/**
 * A flow to a bare IP named by the one ServiceEntry that lists that IP (a Passthrough flow to 140.82.112.6:443 reads
 * `api.github.com:443`), as `watch` and `audit --pods` both show it. Named before the flow's reason and fix are
 * written (flow.ts), so they speak of the host as its destination and report do, the IP beside it.
 */
import type { Destination, EngineContext } from '../types.js';
import { claimedIp } from './destination.js';
import { hostPort, isIpLiteral } from './net.js';

/** A destination named by a ServiceEntry, and the IP it was dialled at (which the reason shows beside the name). */
export interface EntryNamed {
  destination: Destination;
  ip: string;
}

/**
 * True for an IP that is only the client's word (a TLS client's SNI `140.82.112.6` sent to 5.6.7.8): no IP was dialled
 * at it, so an entry listing it names nothing this flow reached, and its reason must not call it the IP dialled.
 */
function claimedOnly(d: Destination): boolean {
  return d.claimed === true && claimedIp(d) !== d.host;
}

/**
 * Names destinations by the entry that lists their IP, when exactly one does; the verdict is the IP's, decided before.
 * The name is marked claimed: nothing in the mesh routed the flow by it (it went to the bare IP), and any namespace's
 * ServiceEntry can name any IP, so the policy's host globs must not allow it (its cidrs still do). One named object per
 * interned destination and host (the phrase memo is keyed by the object); a host that changes (watch) names it anew.
 */
export class EntryNamer {
  private readonly named = new WeakMap<Destination, EntryNamed>();

  constructor(private readonly ctx: Pick<EngineContext, 'hostForIp'>) {}

  /** The destination as the ServiceEntries name it, or null when none names it (not a bare IP, no entry, or more than one). */
  name(d: Destination): EntryNamed | null {
    if (this.ctx.hostForIp === undefined || !isIpLiteral(d.host) || claimedOnly(d)) return null;
    const host = this.ctx.hostForIp(d.host);
    if (host === null) return null;
    const known = this.named.get(d);
    if (known !== undefined && known.destination.host === host) return known;
    const named = { destination: { ...d, host, key: hostPort(host, d.port), claimed: true, address: d.address ?? hostPort(d.host, d.port) }, ip: d.host };
    this.named.set(d, named);
    return named;
  }
}
