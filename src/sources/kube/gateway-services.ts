/**
 * The egress gateway Services `watch` knows from the start, as `audit` learns them from its role sample: a Service whose
 * selector picks a known egress gateway pod of its namespace names that gateway, however it is called, so a sidecar
 * entry to `name.namespace.svc.<cluster domain>` is gateway-bound even with no endpoint logged (UH). Worked out again
 * when the Services or the gateway pods change; `version` tells the engine's cluster memo when to start over.
 */
import type { GatewayHostSet } from '../../types.js';
import type { PodRegistry } from './pod-registry.js';
import type { ServiceIndex } from './service-index.js';

/** The gateway Service hosts of the live cluster, kept current. */
export class GatewayServiceHosts implements GatewayHostSet {
  private hosts: string[] = [];
  private lookup = new Set<string>();
  private changes = { services: -1, pods: -1 };
  private current = 0;

  constructor(
    private readonly services: ServiceIndex,
    private readonly registry: PodRegistry,
    /** The cluster domain as hosts are compared with it: lower case, without a final dot. */
    private readonly domain: string,
  ) {}

  /** Goes up whenever the hosts change. */
  get version(): number {
    this.refresh();
    return this.current;
  }

  /** True when `host` (lower case) is a gateway Service's. */
  has(host: string): boolean {
    this.refresh();
    return this.lookup.has(host);
  }

  /** The hosts, sorted (for --explain and tests). */
  list(): readonly string[] {
    this.refresh();
    return this.hosts;
  }

  private refresh(): void {
    if (this.changes.services === this.services.changes && this.changes.pods === this.registry.gatewayChanges) return;
    this.changes = { services: this.services.changes, pods: this.registry.gatewayChanges };
    const pods = [...this.registry.gateways()].map((p) => ({ namespace: p.facts.ref.namespace, labels: p.facts.ref.labels }));
    const hosts = this.services.selectingHosts(pods, this.domain);
    if (hosts.length === this.hosts.length && hosts.every((h, i) => h === this.hosts[i])) return;
    this.hosts = hosts;
    this.lookup = new Set(hosts);
    this.current++;
  }
}
