/**
 * The egress gateway Services `watch` knows from the start, as `audit` learns them from its role sample: a Service whose
 * selector picks a known egress gateway pod of its namespace names that gateway, however it is called, so a sidecar
 * entry to `name.namespace.svc.<cluster domain>` is gateway-bound even with no endpoint logged (UH). Worked out again
 * when the Services or the gateway pods change (for one Service's event, that Service alone); `version` tells the engine's cluster memo when to start over.
 */
import type { GatewayHostSet } from '../../types.js';
import type { PodRegistry } from './pod-registry.js';
import { podsByNamespace, type PodsByNamespace, type ServiceIndex } from './service-index.js';

/** The gateway Service hosts of the live cluster, kept current. */
export class GatewayServiceHosts implements GatewayHostSet {
  /** The host of each gateway Service, by `namespace/name`. */
  private readonly byKey = new Map<string, string>();
  /** How many gateway Services have each host (two names may lower-case to one). */
  private readonly counts = new Map<string, number>();
  /** The hosts sorted, worked out when asked for (null: not since they changed). */
  private sorted: string[] | null = [];
  private gatewayPods: PodsByNamespace = new Map();
  private seen = { services: -1, pods: -1 };
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
    return this.counts.has(host);
  }

  /** The hosts, sorted (for --explain and tests). */
  list(): readonly string[] {
    this.refresh();
    this.sorted ??= [...this.byKey.values()].sort();
    return this.sorted;
  }

  /**
   * A watch event of a Service judges that Service alone (a rolling deploy touching thousands of Services would
   * otherwise judge every Service at each); a relist, or a change of the gateway pods (rare), judges them all again.
   * The version goes up only when the hosts, counted with their repeats, differ from before.
   */
  private refresh(): void {
    const now = { services: this.services.changes, pods: this.registry.gatewayChanges };
    if (now.services === this.seen.services && now.pods === this.seen.pods) return;
    const events = now.pods === this.seen.pods ? this.services.changesSince(this.seen.services) : null;
    this.seen = now;
    if (events === null) {
      this.gatewayPods = podsByNamespace([...this.registry.gateways()].map((p) => ({ namespace: p.facts.ref.namespace, labels: p.facts.ref.labels })));
      this.judge([...this.byKey.keys(), ...[...this.services.entries()].map(([key]) => key)]);
    } else this.judge(events.map((e) => e.key));
  }

  /** Judges the Services `keys` again (repeats allowed), and bumps the version if the hosts changed. */
  private judge(keys: Iterable<string>): void {
    const gone: string[] = [];
    const came: string[] = [];
    for (const key of new Set(keys)) {
      const before = this.byKey.get(key);
      const after = this.services.selectingHost(key, this.gatewayPods, this.domain) ?? undefined;
      if (before === after) continue;
      if (before !== undefined) {
        gone.push(before);
        this.count(before, -1);
        this.byKey.delete(key);
      }
      if (after !== undefined) {
        came.push(after);
        this.count(after, 1);
        this.byKey.set(key, after);
      }
    }
    gone.sort();
    came.sort();
    if (gone.length === came.length && gone.every((h, i) => h === came[i])) return;
    this.sorted = null;
    this.current++;
  }

  private count(host: string, by: 1 | -1): void {
    const n = (this.counts.get(host) ?? 0) + by;
    if (n === 0) this.counts.delete(host);
    else this.counts.set(host, n);
  }
}
