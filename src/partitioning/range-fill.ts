/**
 * The joiner fill of RangePlacement when every partition weighs the same (the
 * default: weights 1, or an empty store's all-zero weights taken as 1).
 *
 * It makes exactly the moves of the general fill in ./range.ts (each time the
 * move with the lowest Δ = 2w² − 2w(excess + deficit) below −1e-9, ties to
 * the lowest partition number), but since Δ then depends only on the donor,
 * it compares one candidate per donor — the donor's lowest partition — instead
 * of scanning every partition: O(P + count) per join plus O(count) per
 * partition moved, instead of O(P) per partition moved. That keeps growth
 * from a list of n nodes at O(P·n) (16,384 partitions over 100 nodes: one
 * pass per join, not one per move).
 */

/**
 * Move partitions of `owners` (node indices below `count`) to node `j` while a
 * move helps; `have` (weight per node) is updated in place. `w` is the weight
 * of every partition (> 0). Returns nothing; `owners` and `have` change.
 */
export function fillJoinerUniform(owners: Int32Array, w: number, have: number[], target: readonly number[], j: number, count: number): void {
  const lists: number[][] = Array.from({ length: count }, () => []);
  for (let p = 0; p < owners.length; p++) (lists[owners[p] as number] as number[]).push(p);
  const head = new Int32Array(count);
  for (let budget = owners.length; budget > 0; budget--) {
    const deficit = (target[j] as number) - (have[j] as number);
    let pick = -1;
    let donor = -1;
    let pickDelta = -1e-9;
    for (let o = 0; o < count; o++) {
      const list = lists[o] as number[];
      if (o === j || (head[o] as number) >= list.length) continue;
      const delta = 2 * w * w - 2 * w * ((have[o] as number) - (target[o] as number) + deficit);
      const p = list[head[o] as number] as number;
      if (delta < pickDelta || (delta === pickDelta && pick >= 0 && p < pick)) {
        pick = p;
        donor = o;
        pickDelta = delta;
      }
    }
    if (pick < 0) return;
    owners[pick] = j;
    (head[donor] as number)++;
    have[donor] = (have[donor] as number) - w;
    have[j] = (have[j] as number) + w;
  }
}
