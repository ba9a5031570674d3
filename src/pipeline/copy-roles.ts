import type { Role } from '../types.js';

/** Each role's place among an input's role bits; ANY for an input whose lines name their pods (its roles are not known ahead). */
const ROLE_INDEX: Readonly<Record<Role, number>> = { sidecar: 0, 'egress-gateway': 1, 'ingress-gateway': 2 };
const ROLES = 3;
const ANY = (1 << ROLES) - 1;
/** An input closed before its first entry: it holds no role, and no longer keeps every line remembered. */
const CLOSED_SILENT = 8;

/**
 * Which inputs may hold copies of which lines: a copy of a line has the role of the pod that wrote it, so an
 * entry needs looking up only when another input holds that role too. Without this, a sidecars' log beside a
 * gateway's (most audits, and the bench's) would hash every line for copies it cannot have.
 */
export class CopyRoles {
  /** Per input, the role bits of its entries so far (0 before its first, CLOSED_SILENT when it ended without one). */
  private readonly inputRoles: number[] = [];
  /** Inputs open that have had no entry yet: what they hold is not known, so every line is looked at. */
  private silent = 0;
  /** Per role (by bit position), how many inputs have had entries of it, or name their lines' pods. */
  private readonly holders = new Int32Array(ROLES);

  /** Input `stream` was opened: until its first entry, it may hold a copy of any line. */
  opened(stream: number): void {
    this.inputRoles[stream] = 0;
    this.silent++;
  }

  /** Input `stream` ended: when it had no entry, it holds no copy of anything. */
  closed(stream: number): void {
    if (this.inputRoles[stream] !== 0) return;
    this.inputRoles[stream] = CLOSED_SILENT;
    this.silent--;
  }

  /**
   * Whether an entry of `role` from input `stream` may have a copy in another input, so that it must be looked
   * up: only when another input has had entries of that role, names the pods of its lines (a --prefix save, a
   * pipeline's export: any role), or has had none yet. A sidecars' log beside a gateway's is never looked at,
   * once each has had an entry: one pod's lines have one role, and a copy of a line the role of its pod.
   */
  mayRepeat(stream: number, role: Role, namesPods: boolean): boolean {
    const index = ROLE_INDEX[role];
    const bits = namesPods ? ANY : 1 << index;
    const had = this.inputRoles[stream] as number;
    if ((had & bits) !== bits) {
      if (had === 0) this.silent--;
      for (let r = 0; r < ROLES; r++) if ((bits & ~had & (1 << r)) !== 0) this.holders[r] = (this.holders[r] as number) + 1;
      this.inputRoles[stream] = had | bits;
    }
    return this.silent > 0 || (this.holders[index] as number) > 1;
  }
}
