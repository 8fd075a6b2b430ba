/**
 * A linearizability checker for key-value histories (the algorithm of
 * Porcupine, itself Lowe's refinement of Wing & Gong's search, with
 * P-compositionality: a history is linearizable iff the history of each key
 * is, so keys are checked one at a time).
 *
 * A history is a list of operations, each with the time it was invoked and
 * the time its answer came back (or `undefined`: the client never learned the
 * outcome — a timeout, a crash, a dropped connection; such an operation may
 * have taken effect at any time after its invocation, or not at all). The
 * checker searches for a total order of the operations of one key that (1)
 * respects real time: an operation that returned before another was invoked
 * comes first, and (2) is a legal sequential run of a register: each read
 * returns the value of the latest write before it (`null`: no value).
 *
 * The search walks a doubly linked list of call and return events in time
 * order. At a call, it tries to linearize that operation next (if the model
 * accepts it in the current state), lifting the call and its return out of
 * the list; at a return whose call is still in the list, nothing pending can
 * come later, so it backtracks. A cache of (set of linearized operations,
 * state) pairs already explored prunes repeats; that is what makes the search
 * practical (Lowe, "Testing for linearizability", 2017).
 *
 * Bounded: `maxSteps` per key (default 10,000,000) turns a pathological
 * history into an `unknown` verdict rather than a hang. Pure: no clock, no
 * randomness, no I/O.
 */
import { InvalidArgumentError } from '../../errors.js';

/** One operation of a client on one key. */
export interface HistoryOp {
  readonly key: string;
  readonly kind: 'get' | 'set' | 'del';
  /** For `set`: the value written. */
  readonly value?: string;
  /** For `get`: the value read (`null`: no value). Ignored when `returnedAt` is undefined. */
  readonly result?: string | null;
  /** When the client sent it (any monotonic unit). */
  readonly invokedAt: number;
  /** When its answer arrived; undefined when the outcome is unknown. */
  readonly returnedAt?: number;
  /** Who issued it, for explanations. */
  readonly client?: string | number;
}

/** The verdict for one key. */
export interface KeyVerdict {
  readonly key: string;
  readonly result: 'linearizable' | 'not linearizable' | 'unknown';
  /** Operations of this key that were checked (unknown-outcome reads are dropped: they constrain nothing). */
  readonly operations: number;
  /** Search steps taken. */
  readonly steps: number;
  /**
   * When not linearizable: the longest legal order found (indices into the
   * history given to `checkHistory`) and the operations no extension of it
   * could place next.
   */
  readonly longestOrder?: readonly number[];
  readonly stuckAt?: readonly number[];
}

/** The verdict for a whole history. */
export interface HistoryVerdict {
  readonly result: 'linearizable' | 'not linearizable' | 'unknown';
  readonly keys: readonly KeyVerdict[];
  /** The first key that is not linearizable (or, failing that, unknown). */
  readonly failing?: KeyVerdict;
}

/** Options of `checkHistory`. */
export interface CheckOptions {
  /** Search steps per key before the verdict is `unknown`. Default 10,000,000. */
  readonly maxSteps?: number;
}

interface Entry {
  /** Operation id within the key (index into ops). */
  readonly id: number;
  readonly time: number;
  readonly isCall: boolean;
  /** For a call: its return entry. */
  match: Entry | undefined;
  prev: Entry | undefined;
  next: Entry | undefined;
}

interface KeyOp {
  readonly index: number;
  readonly op: HistoryOp;
}

type State = string | null;

function step(state: State, op: HistoryOp): { ok: boolean; state: State } {
  switch (op.kind) {
    case 'set':
      return { ok: true, state: op.value as string };
    case 'del':
      return { ok: true, state: null };
    case 'get':
      return { ok: op.returnedAt === undefined || op.result === state, state };
  }
}

function validate(history: readonly HistoryOp[]): void {
  if (!Array.isArray(history)) throw new InvalidArgumentError('history', history, 'an array of operations');
  history.forEach((op, i) => {
    const where = `history[${i}]`;
    if (op === null || typeof op !== 'object') throw new InvalidArgumentError(where, op, 'an operation object');
    if (typeof op.key !== 'string') throw new InvalidArgumentError(`${where}.key`, op.key, 'a string');
    if (op.kind !== 'get' && op.kind !== 'set' && op.kind !== 'del') throw new InvalidArgumentError(`${where}.kind`, op.kind, "'get', 'set' or 'del'");
    if (op.kind === 'set' && typeof op.value !== 'string') throw new InvalidArgumentError(`${where}.value`, op.value, 'the string a set writes');
    if (typeof op.invokedAt !== 'number' || !Number.isFinite(op.invokedAt)) throw new InvalidArgumentError(`${where}.invokedAt`, op.invokedAt, 'a finite number');
    if (op.returnedAt !== undefined && (typeof op.returnedAt !== 'number' || !Number.isFinite(op.returnedAt) || op.returnedAt < op.invokedAt)) {
      throw new InvalidArgumentError(`${where}.returnedAt`, op.returnedAt, 'undefined (outcome unknown) or a finite number ≥ invokedAt');
    }
    if (op.kind === 'get' && op.returnedAt !== undefined && op.result !== null && typeof op.result !== 'string') throw new InvalidArgumentError(`${where}.result`, op.result, 'the string read, or null for no value');
  });
}

/** A bit set over operation ids, hashable. */
class Bits {
  readonly words: Uint32Array;
  constructor(n: number) {
    this.words = new Uint32Array(Math.ceil(n / 32) || 1);
  }
  set(i: number): void {
    (this.words as Uint32Array)[i >>> 5] = ((this.words[i >>> 5] as number) | (1 << (i & 31))) >>> 0;
  }
  clear(i: number): void {
    (this.words as Uint32Array)[i >>> 5] = ((this.words[i >>> 5] as number) & ~(1 << (i & 31))) >>> 0;
  }
  key(): string {
    let s = '';
    for (const w of this.words) s += w.toString(36) + ',';
    return s;
  }
}

/** Check one key's operations. */
function checkKey(key: string, ops: readonly KeyOp[], maxSteps: number): KeyVerdict {
  const n = ops.length;
  // Events in time order; at equal times calls come first (the operations then overlap: the permissive reading).
  const events: Entry[] = [];
  ops.forEach((k, id) => {
    const call: Entry = { id, time: k.op.invokedAt, isCall: true, match: undefined, prev: undefined, next: undefined };
    const ret: Entry = { id, time: k.op.returnedAt ?? Number.POSITIVE_INFINITY, isCall: false, match: undefined, prev: undefined, next: undefined };
    call.match = ret;
    events.push(call, ret);
  });
  events.sort((a, b) => a.time - b.time || (a.isCall === b.isCall ? a.id - b.id : a.isCall ? -1 : 1));
  const head: Entry = { id: -1, time: Number.NEGATIVE_INFINITY, isCall: false, match: undefined, prev: undefined, next: undefined };
  let last = head;
  for (const e of events) {
    last.next = e;
    e.prev = last;
    last = e;
  }

  const lift = (call: Entry): void => {
    (call.prev as Entry).next = call.next;
    if (call.next !== undefined) call.next.prev = call.prev;
    const ret = call.match as Entry;
    (ret.prev as Entry).next = ret.next;
    if (ret.next !== undefined) ret.next.prev = ret.prev;
  };
  const unlift = (call: Entry): void => {
    const ret = call.match as Entry;
    (ret.prev as Entry).next = ret;
    if (ret.next !== undefined) ret.next.prev = ret;
    (call.prev as Entry).next = call;
    if (call.next !== undefined) call.next.prev = call;
  };

  const linearized = new Bits(n);
  const cache = new Map<string, State[]>();
  const seen = (bits: string, state: State): boolean => {
    const states = cache.get(bits);
    if (states === undefined) {
      cache.set(bits, [state]);
      return false;
    }
    if (states.includes(state)) return true;
    states.push(state);
    return false;
  };
  const stack: { entry: Entry; state: State }[] = [];
  let longest: number[] = [];
  let stuck: number[] = [];
  let state: State = null;
  let entry = head.next;
  let steps = 0;
  while (head.next !== undefined) {
    if (++steps > maxSteps) return { key, result: 'unknown', operations: n, steps };
    const e = entry as Entry;
    if (e.isCall) {
      const r = step(state, (ops[e.id] as KeyOp).op);
      if (r.ok) {
        linearized.set(e.id);
        if (!seen(linearized.key(), r.state)) {
          stack.push({ entry: e, state });
          state = r.state;
          lift(e);
          entry = head.next;
          continue;
        }
        linearized.clear(e.id);
      }
      entry = e.next;
    } else {
      // A return whose call is still pending: no order places it; backtrack.
      if (stack.length >= longest.length) {
        longest = stack.map((s) => (ops[s.entry.id] as KeyOp).index);
        stuck = [];
        for (let x: Entry | undefined = head.next; x !== undefined && x !== e.next; x = x.next) if (x.isCall) stuck.push((ops[x.id] as KeyOp).index);
      }
      const top = stack.pop();
      if (top === undefined) return { key, result: 'not linearizable', operations: n, steps, longestOrder: longest, stuckAt: stuck };
      state = top.state;
      linearized.clear(top.entry.id);
      unlift(top.entry);
      entry = top.entry.next;
    }
  }
  return { key, result: 'linearizable', operations: n, steps };
}

/**
 * Check a history of register operations for linearizability, key by key.
 * Throws InvalidArgumentError (naming the operation) on a malformed history.
 * Cost: exponential in the worst case in the number of mutually concurrent
 * operations of one key; linear-ish for the histories real clients make.
 */
export function checkHistory(history: readonly HistoryOp[], options: CheckOptions = {}): HistoryVerdict {
  validate(history);
  const maxSteps = options.maxSteps ?? 10_000_000;
  if (!Number.isSafeInteger(maxSteps) || maxSteps < 1) throw new InvalidArgumentError('maxSteps', maxSteps, 'a positive integer');
  const byKey = new Map<string, KeyOp[]>();
  history.forEach((op, index) => {
    // A read whose answer never came constrains nothing.
    if (op.kind === 'get' && op.returnedAt === undefined) return;
    let list = byKey.get(op.key);
    if (list === undefined) byKey.set(op.key, (list = []));
    list.push({ index, op });
  });
  const keys: KeyVerdict[] = [];
  for (const [key, ops] of byKey) keys.push(checkKey(key, ops, maxSteps));
  const failing = keys.find((k) => k.result === 'not linearizable') ?? keys.find((k) => k.result === 'unknown');
  return { result: failing?.result ?? 'linearizable', keys, ...(failing === undefined ? {} : { failing }) };
}

/** A readable account of a failing key's verdict: the longest legal order and the operations that could not come next. */
export function explain(history: readonly HistoryOp[], verdict: KeyVerdict): string {
  const show = (i: number): string => {
    const op = history[i] as HistoryOp;
    const what = op.kind === 'set' ? `set ${JSON.stringify(op.value)}` : op.kind === 'del' ? 'del' : `get → ${op.returnedAt === undefined ? '?' : JSON.stringify(op.result)}`;
    const ret = op.returnedAt === undefined ? '?' : String(op.returnedAt);
    return `#${i}${op.client === undefined ? '' : ` (client ${op.client})`} ${what} [${op.invokedAt}, ${ret}]`;
  };
  if (verdict.result === 'linearizable') return `key ${JSON.stringify(verdict.key)}: linearizable (${verdict.operations} operations)`;
  if (verdict.result === 'unknown') return `key ${JSON.stringify(verdict.key)}: no verdict within ${verdict.steps} steps (${verdict.operations} operations)`;
  return [
    `key ${JSON.stringify(verdict.key)}: not linearizable (${verdict.operations} operations).`,
    `Longest legal order found:${(verdict.longestOrder ?? []).map((i) => `\n  ${show(i)}`).join('') || ' (none)'}`,
    `None of these can come next:${(verdict.stuckAt ?? []).map((i) => `\n  ${show(i)}`).join('')}`,
  ].join('\n');
}
