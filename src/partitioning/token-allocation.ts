/**
 * How a joining node picks its tokens on the 32-bit ring (see tokens.ts):
 * uniformly at random, or by the balanced allocation in the spirit of
 * Cassandra's `allocate_tokens_for_keyspace` (CASSANDRA-7032). Pure functions
 * over the current sorted tokens and their owners; randomness is injected.
 */
import { type Random, randomUint32 } from '../util/random.js';
import { StateError } from '../errors.js';

const SPACE = 4294967296;
/** Redraws allowed per token when a random token collides with an existing one (2^32 values: collisions are rare). */
const REDRAW_BUDGET = 64;

function lowerBound(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * `count` distinct uniformly random tokens that collide with none of
 * `existing` (sorted). Throws StateError if the redraw budget runs out (the
 * ring would have to be nearly full). O(count · log N).
 */
export function randomTokens(count: number, existing: readonly number[], random: Random): number[] {
  const taken = new Set<number>();
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    let t = randomUint32(random);
    let tries = 0;
    while (taken.has(t) || existing[lowerBound(existing, t)] === t) {
      if (++tries > REDRAW_BUDGET) throw new StateError(`no free token found in ${REDRAW_BUDGET} draws`);
      t = randomUint32(random);
    }
    taken.add(t);
    out.push(t);
  }
  return out;
}

/**
 * Balanced allocation for the newest node (index `weights.length − 1`), in the
 * spirit of CASSANDRA-7032: the new node takes its weighted share
 * (need = 2^32 · w/W) from the most loaded nodes only, by water-filling. With
 * nodes sorted by load ÷ weight, the k most loaded (k ≤ count, as few as
 * possible) are cut down to a common level L (Σ (loadᵢ − L·wᵢ) = need), so no
 * node above L remains unless the token count runs out. Each donor's cut is
 * spread over tokens in proportion to its excess (at least one each), and
 * each of those tokens splits one of the donor's largest ranges so the new
 * node takes (prev, prev + cut]. A donor whose ranges are too short gives what
 * they hold; tokens left over split the largest remaining range at its
 * midpoint. Every new token lowers a maximum, and keys move only to the new
 * node. `tokens` is sorted; `owners[i]` owns `tokens[i]`. O(N log N + count · N).
 */
export function balancedTokens(count: number, tokens: readonly number[], owners: readonly number[], weights: readonly number[], random: Random): number[] {
  const me = weights.length - 1;
  const loads = new Float64Array(me);
  for (let i = 0; i < tokens.length; i++) (loads[owners[i] as number] as number) += rangeLen(tokens, i);
  const totalWeight = weights.reduce((s, w) => s + w, 0);
  const need = (SPACE * (weights[me] as number)) / totalWeight;
  const ratio = (n: number): number => (loads[n] as number) / (weights[n] as number);
  const order = Array.from({ length: me }, (_, i) => i).sort((a, b) => ratio(b) - ratio(a) || a - b);
  // Water-filling over the k most loaded nodes.
  let k = 0;
  let sumLoad = 0;
  let sumWeight = 0;
  let level = 0;
  while (k < Math.min(count, me)) {
    const n = order[k] as number;
    sumLoad += loads[n] as number;
    sumWeight += weights[n] as number;
    k++;
    level = (sumLoad - need) / sumWeight;
    if (k === me || level >= ratio(order[k] as number)) break;
  }
  const donors = order.slice(0, k);
  const excess = donors.map((n) => Math.max(0, (loads[n] as number) - level * (weights[n] as number)));
  const shares = apportion(count, excess);
  // The ranges of each donor, longest first.
  const ranges = new Map<number, { index: number; len: number }[]>();
  for (const n of donors) ranges.set(n, []);
  for (let i = 0; i < tokens.length; i++) ranges.get(owners[i] as number)?.push({ index: i, len: rangeLen(tokens, i) });
  const picked: number[] = [];
  donors.forEach((n, d) => {
    const list = (ranges.get(n) as { index: number; len: number }[]).sort((a, b) => b.len - a.len || a.index - b.index);
    const t = shares[d] as number;
    for (let j = 0; j < t && j < list.length; j++) {
      const r = list[j] as { index: number; len: number };
      if (r.len < 2) break;
      const take = Math.min(r.len - 1, Math.max(1, Math.floor((excess[d] as number) / t)));
      const prev = tokens[(r.index - 1 + tokens.length) % tokens.length] as number;
      picked.push((prev + take) % SPACE);
    }
  });
  // Leftover tokens (donors with too few splittable ranges): midpoint of the largest range left.
  if (picked.length < count) {
    const ring = [...tokens, ...picked].sort((a, b) => a - b);
    while (picked.length < count) {
      let best = -1;
      let bestLen = 1;
      for (let i = 0; i < ring.length; i++) {
        const l = rangeLen(ring, i);
        if (l > bestLen) {
          bestLen = l;
          best = i;
        }
      }
      const token = best < 0 ? (randomTokens(1, ring, random)[0] as number) : ((ring[(best - 1 + ring.length) % ring.length] as number) + Math.floor(bestLen / 2)) % SPACE;
      ring.splice(lowerBound(ring, token), 0, token);
      picked.push(token);
    }
  }
  return picked;
}

/** Split `count` items over parties in proportion to `amounts`: at least one each, largest remainders first. */
function apportion(count: number, amounts: readonly number[]): number[] {
  const n = amounts.length;
  const total = amounts.reduce((s, a) => s + a, 0);
  if (n === 0) return [];
  const spare = count - n;
  const exact = amounts.map((a) => (total > 0 ? (spare * a) / total : spare / n));
  const out = exact.map((e) => 1 + Math.floor(e));
  let left = count - out.reduce((s, x) => s + x, 0);
  const byRemainder = exact.map((e, i) => [e - Math.floor(e), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of byRemainder) {
    if (left <= 0) break;
    (out[i] as number)++;
    left--;
  }
  return out;
}

/** Length of the range ending at token i: (tokens[i−1], tokens[i]], wrapping. */
function rangeLen(ring: readonly number[], i: number): number {
  if (ring.length === 1) return SPACE;
  const d = (ring[i] as number) - (ring[(i - 1 + ring.length) % ring.length] as number);
  return d > 0 ? d : d + SPACE;
}
