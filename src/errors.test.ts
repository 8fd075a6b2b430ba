import { describe, it, expect } from 'vitest';
import { InvalidArgumentError, NotFoundError, describeValue } from './errors.js';

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
