import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { EventQueue } from './event-queue.js';

describe('EventQueue', () => {
  it('pops items in time order, ties in insertion order, whatever order they were pushed in', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 200 }), (times) => {
        const q = new EventQueue<number>();
        times.forEach((t, i) => q.push(t, i));
        expect(q.size).toBe(times.length);
        const out: { at: number; value: number }[] = [];
        for (let e = q.pop(); e !== undefined; e = q.pop()) out.push(e);
        const expected = times.map((at, value) => ({ at, value })).sort((a, b) => a.at - b.at || a.value - b.value);
        expect(out).toEqual(expected);
        expect(q.size).toBe(0);
        expect(q.peekTime()).toBeUndefined();
      }),
    );
  });

  it('interleaved pushes and pops always return the earliest waiting item', () => {
    fc.assert(
      fc.property(fc.array(fc.option(fc.integer({ min: 0, max: 50 }), { nil: undefined }), { maxLength: 300 }), (ops) => {
        const q = new EventQueue<number>();
        const model: { at: number; value: number }[] = [];
        ops.forEach((op, i) => {
          if (op === undefined) {
            model.sort((a, b) => a.at - b.at || a.value - b.value);
            expect(q.peekTime()).toBe(model[0]?.at);
            expect(q.pop()).toEqual(model.shift());
          } else {
            q.push(op, i);
            model.push({ at: op, value: i });
          }
        });
      }),
    );
  });
});
