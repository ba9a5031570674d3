/**
 * The runs of a flow's JSON that repeat from flow to flow, encoded once and then copied: the
 * verdict, rule and sentences (the engine hands out the same sentence strings for the same facts)
 * and the destination object (the engine shares one Destination per place). Both caches are
 * bounded in entries and in characters (engine/cache.ts's MemoBudget) and forget everything when full.
 */
import { MemoBudget } from '../engine/cache.js';
import { placeChars } from '../engine/destination.js';
import { ownCopy, ownCopyOrNull } from '../text/own-copy.js';
import type { Destination, Flow } from '../types.js';
import { ascii, putBytes, putField, putFieldOrNull, putNumber, putStringOrNull } from './json-bytes.js';

const LIMIT = 4096;

/**
 * Characters the sentence runs hold in all (a run's bytes and the sentences kept to compare it by): an ordinary run is
 * under 1 KiB, so a mesh's sentences fit, and 4,096 runs quoting a client's long names (cut, but several to a run) do not
 * hold four times as much.
 */
export const KEPT_WORDING_CHARS = LIMIT * 1024;

/** Characters the destination runs hold in all (a run's bytes and its destination's names): ~300 for an ordinary place. */
export const KEPT_DESTINATION_CHARS = LIMIT * 512;

/**
 * Bytes of the longest run kept: ample for a destination of names as long as DNS allows and for sentences quoting cut
 * names, so a destination with a client's 60 KiB Host header (never shared, each one new) is encoded afresh instead.
 */
export const KEPT_RUN_MAX = 4096;

const K = {
  verdict: ascii('"verdict":'),
  rule: ascii(',"rule":'),
  reason: ascii(',"reason":'),
  remediation: ascii(',"remediation":'),
  destination: ascii(',"destination":{"key":'),
  host: ascii(',"host":'),
  port: ascii(',"port":'),
  address: ascii(',"address":'),
  externalTrue: ascii(',"external":true},"source":{"workload":'),
  externalFalse: ascii(',"external":false},"source":{"workload":'),
};

interface Wording {
  verdict: string;
  rule: string;
  remediation: string | null;
  bytes: Uint8Array;
}

function encodeWording(buf: Buffer, p: number, flow: Flow): number {
  p = putField(buf, p, K.verdict, flow.verdict);
  p = putField(buf, p, K.rule, flow.rule);
  p = putField(buf, p, K.reason, flow.reason);
  return putFieldOrNull(buf, p, K.remediation, flow.remediation);
}

function encodeDestination(buf: Buffer, p: number, d: Destination): number {
  p = putField(buf, p, K.destination, d.key);
  p = putField(buf, p, K.host, d.host);
  p = putBytes(buf, p, K.port);
  p = d.port === null ? putStringOrNull(buf, p, null) : putNumber(buf, p, d.port);
  p = putFieldOrNull(buf, p, K.address, d.address);
  return putBytes(buf, p, d.external ? K.externalTrue : K.externalFalse);
}

/** Encoded runs, per writer: at most LIMIT of each, none longer than KEPT_RUN_MAX bytes, each kind within its characters. */
export class RepeatedParts {
  private readonly wordings = new Map<string, Wording>();
  private readonly destinations = new Map<Destination, Uint8Array>();
  private readonly wordingBudget = new MemoBudget(LIMIT, KEPT_WORDING_CHARS, KEPT_RUN_MAX);
  private readonly destinationBudget = new MemoBudget(LIMIT, KEPT_DESTINATION_CHARS, KEPT_RUN_MAX);

  /** Runs kept (for tests of the bound). */
  get kept(): { wordings: number; destinations: number } {
    return { wordings: this.wordings.size, destinations: this.destinations.size };
  }

  /** Characters the runs of each kind hold (for tests of the bound). */
  get characters(): { wordings: number; destinations: number } {
    return { wordings: this.wordingBudget.held.characters, destinations: this.destinationBudget.held.characters };
  }

  /** `"verdict":…,"rule":…,"reason":…,"remediation":…` (room: the caller's bound). */
  putWording(buf: Buffer, p: number, flow: Flow): number {
    const known = this.wordings.get(flow.reason);
    if (known !== undefined && known.verdict === flow.verdict && known.rule === flow.rule && known.remediation === flow.remediation) {
      return putBytes(buf, p, known.bytes);
    }
    const end = encodeWording(buf, p, flow);
    if (!this.wordingBudget.admits(end - p)) return end;
    // The sentences are kept to compare, as copies: a sentence built around a cut name may hold a slice of the name.
    const chars = end - p + flow.reason.length + (flow.remediation?.length ?? 0);
    if (this.wordingBudget.makeRoom(chars)) this.wordings.clear();
    const bytes = Uint8Array.prototype.slice.call(buf, p, end); // a copy: `buf` moves on
    this.wordings.set(ownCopy(flow.reason), { verdict: flow.verdict, rule: flow.rule, remediation: ownCopyOrNull(flow.remediation), bytes });
    this.wordingBudget.spend(chars);
    return end;
  }

  /**
   * `,"destination":{…},"source":{"workload":` (room: the caller's bound). Cached by the object
   * only when it is frozen (the engine shares frozen ones), so a changed object is never stale.
   */
  putDestination(buf: Buffer, p: number, d: Destination): number {
    if (!Object.isFrozen(d)) return encodeDestination(buf, p, d);
    const known = this.destinations.get(d);
    if (known !== undefined) return putBytes(buf, p, known);
    const end = encodeDestination(buf, p, d);
    // Keyed only by a shared destination, whose names are its own: one too long to share is new for every flow, and
    // its names slices of its log line, so keeping it would keep the line (a 1,100-character host, a 58 KiB path).
    const chars = end - p + placeChars(d);
    if (!this.destinationBudget.admits(end - p) || chars === Infinity) return end;
    if (this.destinationBudget.makeRoom(chars)) this.destinations.clear();
    this.destinations.set(d, Uint8Array.prototype.slice.call(buf, p, end));
    this.destinationBudget.spend(chars);
    return end;
  }
}
