import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import type { NewHint } from './hint.js';
import { type HintStore, MemoryHintStore } from './hint-store.js';
import { DurableHintStore } from './durable-hint-store.js';
import { MemoryLogFile } from './log-file.js';

const hint = (target: string, key: string, counter = 1): NewHint => ({ target, key, value: `${key}=${counter}`, version: { counter, coordinator: 'c0' }, createdAtMs: counter, ttlMs: 100 });

const stores: [string, () => HintStore][] = [
  ['memory', () => new MemoryHintStore()],
  ['durable (simulated file)', () => new DurableHintStore(new MemoryLogFile(), { compactMinDeadRecords: 8 })],
];

describe.each(stores)('hint store: %s', (_name, make) => {
  it('behaves like a Map from id to hint under random adds and removes (model-based)', () => {
    const op = fc.oneof(
      fc.record({ t: fc.constant('add' as const), target: fc.constantFrom('a', 'b', 'c'), key: fc.string({ maxLength: 4 }) }),
      fc.record({ t: fc.constant('remove' as const), pick: fc.array(fc.nat(40), { maxLength: 5 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const s = make();
        const model = new Map<number, NewHint>();
        let counter = 0;
        for (const o of ops) {
          if (o.t === 'add') {
            const h = s.add(hint(o.target, o.key, ++counter));
            expect(model.has(h.id)).toBe(false);
            for (const id of model.keys()) expect(h.id).toBeGreaterThan(id);
            model.set(h.id, h);
          } else {
            const ids = [...model.keys()];
            const chosen = o.pick.map((i) => ids[i % Math.max(1, ids.length)] ?? 9999);
            const unique = new Set(chosen.filter((id) => model.has(id)));
            expect(s.remove(chosen)).toBe(unique.size);
            for (const id of unique) model.delete(id);
          }
          s.checkInvariants();
          expect(s.count).toBe(model.size);
          for (const t of ['a', 'b', 'c']) {
            const got = [...s.forTarget(t)];
            const want = [...model.values()].filter((h) => h.target === t);
            expect(got).toEqual(want);
            expect(s.countFor(t)).toBe(want.length);
          }
          expect(new Set(s.targets())).toEqual(new Set([...model.values()].map((h) => h.target)));
        }
      }),
      { seed: 6101, numRuns: 150 },
    );
  });

  it('lists a target\'s hints oldest first', () => {
    const s = make();
    s.add(hint('a', 'x', 1));
    s.add(hint('b', 'y', 2));
    s.add(hint('a', 'z', 3));
    expect([...s.forTarget('a')].map((h) => h.key)).toEqual(['x', 'z']);
    expect([...s.forTarget('nobody')]).toEqual([]);
  });
});

describe('hint store restarts', () => {
  it('a memory store loses every hint in a restart and says how many (the seed behaviour)', () => {
    const s = new MemoryHintStore();
    s.add(hint('a', 'x'));
    s.add(hint('b', 'y'));
    expect(s.restart()).toEqual({ recovered: 0, lost: 2, tornBytes: 0 });
    expect(s.count).toBe(0);
  });

  it('a durable store keeps every acknowledged hint across a restart, ids included', () => {
    const file = new MemoryLogFile();
    const s = new DurableHintStore(file);
    const a = s.add(hint('a', 'x', 1));
    s.add(hint('b', 'y', 2));
    s.remove([a.id]);
    const before = [...s.all()];
    expect(s.restart()).toEqual({ recovered: 1, lost: 0, tornBytes: 0 });
    expect([...s.all()]).toEqual(before);
    expect(s.add(hint('a', 'w', 3)).id).toBe(3);
    s.checkInvariants();
  });
});
