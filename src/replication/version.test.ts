import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { InvalidArgumentError } from '../errors.js';
import { LamportClock, areConcurrent, assertVersion, compareVersions, formatVersion, newerVersion, type Version } from './version.js';

const version = fc.record({ counter: fc.integer({ min: 1, max: 50 }), coordinator: fc.constantFrom('a', 'b', 'c0', 'c1', 'c10') });

describe('versions (DDIA ch. 5, last-writer-wins)', () => {
  it('orders every pair of versions totally and the same way on every node: larger counter, then larger coordinator id', () => {
    fc.assert(
      fc.property(version, version, version, (a, b, c) => {
        expect(Math.sign(compareVersions(a, b)) + Math.sign(compareVersions(b, a))).toBe(0);
        expect(compareVersions(a, b) === 0).toBe(a.counter === b.counter && a.coordinator === b.coordinator);
        if (compareVersions(a, b) <= 0 && compareVersions(b, c) <= 0) expect(compareVersions(a, c)).toBeLessThanOrEqual(0);
        const sorted = [a, b, c].sort(compareVersions);
        expect(newerVersion(newerVersion(a, b), c)).toEqual(sorted[2]);
      }),
      { seed: 6001, numRuns: 500 },
    );
    expect(compareVersions({ counter: 2, coordinator: 'a' }, { counter: 1, coordinator: 'z' })).toBeGreaterThan(0);
    expect(compareVersions({ counter: 3, coordinator: 'c1' }, { counter: 3, coordinator: 'c0' })).toBeGreaterThan(0);
  });

  it('detects concurrent versions: equal counters from different coordinators', () => {
    expect(areConcurrent({ counter: 4, coordinator: 'a' }, { counter: 4, coordinator: 'b' })).toBe(true);
    expect(areConcurrent({ counter: 4, coordinator: 'a' }, { counter: 4, coordinator: 'a' })).toBe(false);
    expect(areConcurrent({ counter: 4, coordinator: 'a' }, { counter: 5, coordinator: 'b' })).toBe(false);
  });

  it('a Lamport clock issues versions newer than everything it issued or observed, and two clocks never collide', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constant('next-a'), fc.constant('next-b'), fc.constant('a-sees-b'), fc.constant('b-sees-a')), { maxLength: 60 }), (ops) => {
        const a = new LamportClock('a');
        const b = new LamportClock('b');
        const issued = new Set<string>();
        let lastA: Version | undefined;
        let lastB: Version | undefined;
        for (const op of ops) {
          if (op === 'next-a' || op === 'next-b') {
            const clk = op === 'next-a' ? a : b;
            const before = clk.current;
            const v = clk.next();
            expect(v.counter).toBe(before + 1);
            expect(issued.has(formatVersion(v))).toBe(false);
            issued.add(formatVersion(v));
            if (op === 'next-a') lastA = v;
            else lastB = v;
          } else if (op === 'a-sees-b' && lastB) {
            a.observe(lastB);
            expect(compareVersions(a.next(), lastB)).toBeGreaterThan(0);
          } else if (op === 'b-sees-a' && lastA) {
            b.observe(lastA);
            expect(compareVersions(b.next(), lastA)).toBeGreaterThan(0);
          }
        }
      }),
      { seed: 6002, numRuns: 300 },
    );
  });

  it('rejects malformed versions and coordinator ids with typed errors', () => {
    expect(() => assertVersion({ counter: 0, coordinator: 'a' })).toThrow(InvalidArgumentError);
    expect(() => assertVersion({ counter: 1.5, coordinator: 'a' })).toThrow(InvalidArgumentError);
    expect(() => assertVersion({ counter: 1, coordinator: '' })).toThrow(InvalidArgumentError);
    expect(() => assertVersion(null)).toThrow(InvalidArgumentError);
    expect(() => new LamportClock('')).toThrow(InvalidArgumentError);
    expect(() => assertVersion({ counter: 1, coordinator: 'a' })).not.toThrow();
  });
});
