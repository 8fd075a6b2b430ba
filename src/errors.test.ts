import { describe, it, expect } from 'vitest';
import { InvalidArgumentError, NotFoundError, describeThrown, describeValue, readArray, readOptions } from './errors.js';

/** Values that break naive rendering: bigint, null prototype, revoked proxy, throwing getters, symbols, huge strings. */
function awkwardValues(): unknown[] {
  const revoked = Proxy.revocable({}, {});
  revoked.revoke();
  const trap = new Proxy({}, { get: () => { throw new Error('trap'); }, getPrototypeOf: () => { throw new Error('trap'); } });
  const tag = { get [Symbol.toStringTag]() { throw new Error('getter'); } };
  const circular: Record<string, unknown> = {};
  circular['self'] = circular;
  return [10n, -(2n ** 70n), Object.create(null), revoked.proxy, trap, tag, circular, Symbol('s'), 'x'.repeat(10_000_000), 'a\ud800', Number.NaN, -0, () => 1, [1, 2], new Uint8Array(3)];
}

describe('errors render any value without throwing (issue 12 §4)', () => {
  it('describeValue never throws, and stays short', () => {
    for (const v of awkwardValues()) {
      const s = describeValue(v);
      expect(typeof s).toBe('string');
      expect(s.length).toBeLessThan(200);
    }
    expect(describeValue(10n)).toBe('10n');
    expect(describeValue(-0)).toBe('-0');
    expect(describeValue(Object.create(null))).toMatch(/object/);
  });

  it('NotFoundError and InvalidArgumentError take ids and values of any type (withoutNode(10n) threw a TypeError)', () => {
    for (const v of awkwardValues()) {
      const nf = new NotFoundError('node', v as string, ['a', 'b']);
      expect(nf.message).toMatch(/^unknown node /);
      expect(typeof nf.id).toBe('string');
      const ia = new InvalidArgumentError('x', v, 'something');
      expect(ia.message).toMatch(/^invalid x: got /);
    }
    expect(new NotFoundError('node', 10n as unknown as string).message).toBe('unknown node 10n');
    expect(new NotFoundError('node', 'n1').message).toBe('unknown node "n1"');
  });
});

describe('reading options and arrays from outside (issue 12 §4)', () => {
  it('readOptions snapshots each named field once, leaves out undefined ones, and turns a throwing read into InvalidArgumentError naming the field', () => {
    let reads = 0;
    const shifty = {
      get clock(): number {
        return ++reads;
      },
      seed: undefined,
      other: 'ignored',
    };
    const o = readOptions('options', shifty as { clock?: number; seed?: number }, ['clock', 'seed']);
    expect(o).toEqual({ clock: 1 });
    expect(Object.hasOwn(o, 'seed')).toBe(false);
    expect(reads).toBe(1);
    expect(readOptions<{ a?: number }, 'a'>('options', undefined, ['a'])).toEqual({});
    const throwing = Object.defineProperty({}, 'clock', {
      get: () => {
        throw new Error('boom');
      },
    });
    expect(() => readOptions('options', throwing as { clock?: number }, ['clock'])).toThrow(/invalid options: got object.*whose fields can be read \(reading clock threw: "boom"\)/);
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    for (const bad of [null, 10n, 'x', [], () => 1, revoked.proxy]) expect(() => readOptions('options', bad as { a?: number }, ['a'])).toThrow(InvalidArgumentError);
  });

  it('readArray copies an array once (holes as undefined) and refuses anything else, a revoked proxy and a trapping array proxy included', () => {
    // eslint-disable-next-line no-sparse-arrays
    expect(readArray('xs', [1, , 3], 'an array')).toEqual([1, undefined, 3]);
    const revoked = Proxy.revocable([], {});
    revoked.revoke();
    const trapping = new Proxy([1], {
      get: () => {
        throw new Error('trap');
      },
    });
    for (const bad of [null, undefined, 'abc', new Uint8Array(2), { length: 1, 0: 'a' }, revoked.proxy]) expect(() => readArray('xs', bad, 'an array')).toThrow(/invalid xs: .*allowed: an array/);
    expect(() => readArray('xs', trapping, 'an array')).toThrow(/whose elements can be read \(reading it threw: "trap"\)/);
  });

  it('describeThrown never throws, whatever was thrown', () => {
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    const badMessage = Object.defineProperty(new Error('x'), 'message', {
      get: () => {
        throw new Error('nested');
      },
    });
    for (const e of [new Error('plain'), 'a string', 10n, null, revoked.proxy, badMessage, Symbol('s')]) expect(typeof describeThrown(e)).toBe('string');
    expect(describeThrown(new Error('plain'))).toBe('"plain"');
  });
});
