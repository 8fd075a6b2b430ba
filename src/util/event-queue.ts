/**
 * A discrete-event queue for deterministic simulations: items come out in
 * (time, insertion) order, so two runs that push the same items in the same
 * order pop them in the same order. Binary min-heap: O(log n) push and pop.
 */
interface Entry<T> {
  readonly at: number;
  readonly order: number;
  readonly value: T;
}

export class EventQueue<T> {
  private readonly items: Entry<T>[] = [];
  private order = 0;

  /** Items waiting. */
  get size(): number {
    return this.items.length;
  }

  /** Time of the next item, or undefined when empty. O(1). */
  peekTime(): number | undefined {
    return this.items[0]?.at;
  }

  /** Add `value` due at time `at`. O(log n). */
  push(at: number, value: T): void {
    const a = this.items;
    a.push({ at, order: this.order++, value });
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(a[i] as Entry<T>, a[p] as Entry<T>)) break;
      [a[i], a[p]] = [a[p] as Entry<T>, a[i] as Entry<T>];
      i = p;
    }
  }

  /** Remove and return the earliest item (ties in insertion order), or undefined. O(log n). */
  pop(): { readonly at: number; readonly value: T } | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && less(a[l] as Entry<T>, a[m] as Entry<T>)) m = l;
        if (r < a.length && less(a[r] as Entry<T>, a[m] as Entry<T>)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m] as Entry<T>, a[i] as Entry<T>];
        i = m;
      }
    }
    return top === undefined ? undefined : { at: top.at, value: top.value };
  }
}

function less<T>(x: Entry<T>, y: Entry<T>): boolean {
  return x.at < y.at || (x.at === y.at && x.order < y.order);
}
