/**
 * The range store's rules, as code (ARCHITECTURE.md, principle 4). Called by
 * `RangeStore.checkInvariants()`; tests call it after every operation.
 */
import { invariant } from '../errors.js';
import { fromSortForm, utf8Length } from '../partitioning/range-keys.js';
import type { RangePartition } from './partition.js';

interface StoreView<V> {
  readonly starts: readonly string[];
  readonly parts: readonly RangePartition<V>[];
  readonly maxPartitionSize: number;
  readonly strictMax: boolean;
  readonly sizeOf: (value: V) => number;
  readonly nodes: { readonly nodeIds: readonly string[] };
}

/** Throws InvariantError on the first broken rule. O(n): walks every key. */
export function checkStore<V>(s: StoreView<V>, keyCount: number): void {
  const { starts, parts } = s;
  invariant(parts.length >= 1 && starts.length === parts.length, 'range store: one start key per partition');
  invariant(starts[0] === '' && parts[0]?.start === '', 'range store: the first partition starts at ""');
  invariant(parts[parts.length - 1]?.end === null, 'range store: the last partition is open-ended');
  const ids = new Set<number>();
  const nodes = new Set(s.nodes.nodeIds);
  let keys = 0;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i] as RangePartition<V>;
    invariant(!ids.has(p.id), () => `range store: partition id ${p.id} appears twice`);
    ids.add(p.id);
    invariant(p.start === starts[i], () => `range store: partition ${p.id} starts at ${JSON.stringify(p.start)}, the start array says ${JSON.stringify(starts[i])}`);
    if (i + 1 < parts.length) {
      invariant(p.end === starts[i + 1], () => `range store: partition ${p.id} ends at ${JSON.stringify(p.end)} but the next starts at ${JSON.stringify(starts[i + 1])} (boundaries must be contiguous)`);
      invariant((starts[i] as string) < (starts[i + 1] as string), () => `range store: start keys not increasing at partition ${i}`);
    }
    p.tree.checkValid(true);
    let bytes = 0;
    let high = 0;
    let prev: string | undefined;
    for (const [k, v] of p.tree.entries()) {
      invariant(p.contains(k), () => `range store: key ${JSON.stringify(fromSortForm(k))} lies outside partition ${p.id}`);
      invariant(prev === undefined || prev < k, 'range store: keys out of order');
      prev = k;
      const original = fromSortForm(k);
      if (original !== k) high++;
      bytes += utf8Length(original) + s.sizeOf(v);
    }
    invariant(bytes === p.bytes, () => `range store: partition ${p.id} counts ${p.bytes} bytes, holds ${bytes}`);
    invariant(high === p.highKeys, () => `range store: partition ${p.id} counts ${p.highKeys} converted keys, holds ${high}`);
    if (s.strictMax) invariant(p.tree.size <= s.maxPartitionSize, () => `range store: partition ${p.id} holds ${p.tree.size} keys > maxPartitionSize ${s.maxPartitionSize}`);
    if (nodes.size > 0) invariant(p.node !== undefined && nodes.has(p.node), () => `range store: partition ${p.id} is on ${JSON.stringify(p.node)}, not a live node`);
    else invariant(p.node === undefined, () => `range store: partition ${p.id} is on a node but the store has none`);
    keys += p.tree.size;
  }
  invariant(keys === keyCount, () => `range store: total key count ${keyCount} but partitions hold ${keys}`);
}
