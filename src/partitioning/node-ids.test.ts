import { describe, it, expect } from 'vitest';
import { InvalidArgumentError, NotFoundError, ShardkitError } from '../errors.js';
import { STRATEGIES, createPlacement } from './registry.js';
import { ConsistentHashRing } from './ring.js';
import { KetamaRing } from './ketama.js';
import { ModNPlacement } from './mod-n.js';

const base = ['a', 'b', 'c'];

describe('node ids and weights every strategy rejects (issue 12 §4, issue 11 §4)', () => {
  it('ids that are not well-formed UTF-16 are rejected: a\\uD800 and a\\uDBFF would both hash as a + U+FFFD', () => {
    expect(() => new ConsistentHashRing(['a\ud800', 'a\udbff', 'b'])).toThrow(InvalidArgumentError);
    for (const name of STRATEGIES) {
      for (const bad of ['a\ud800', '\udc00', 'x\udbffy']) {
        expect(() => createPlacement(name, { nodes: [bad, 'b'] }), `${name} ${JSON.stringify(bad)}`).toThrow(InvalidArgumentError);
        const p = createPlacement(name, { nodes: base });
        const before = p.nodeIds.slice();
        expect(() => p.withNode(bad), `${name}.withNode`).toThrow(InvalidArgumentError);
        expect(() => p.withNode({ id: bad }), `${name}.withNode spec`).toThrow(InvalidArgumentError);
        expect(p.nodeIds).toEqual(before);
        p.checkInvariants();
      }
    }
  });

  it('well-formed non-ASCII ids are fine and keep their shares apart', () => {
    for (const name of STRATEGIES) {
      const p = createPlacement(name, name === 'range' ? { nodes: ['a😀', 'a\u00e9', 'b'], boundaries: ['g', 'n'] } : { nodes: ['a😀', 'a\u00e9', 'b'] });
      p.checkInvariants();
      for (const share of p.loadShares().values()) expect(share).toBeGreaterThan(0);
    }
  });

  it('ids longer than MAX_NODE_ID_LENGTH (1,024) are rejected: a ring hashes each id once per virtual node', () => {
    for (const name of STRATEGIES) {
      expect(() => createPlacement(name, { nodes: ['x'.repeat(1025)] }), name).toThrow(/at most 1024/);
      expect(createPlacement(name, { nodes: ['x'.repeat(1024)] }).nodeIds).toHaveLength(1);
    }
  });

  it('ketama: two servers that hash as the same name (host:defaultPort and host) are rejected', () => {
    expect(() => new KetamaRing(['h:11211', 'h'], { defaultPort: 11211 })).toThrow(InvalidArgumentError);
    const r = new KetamaRing(['h:11211', 'g'], { defaultPort: 11211 });
    expect(() => r.withNode('h')).toThrow(InvalidArgumentError);
    r.checkInvariants();
  });

  it('mod-n rejects weights other than 1 (it silently ignored a=2), as jump does', () => {
    expect(() => new ModNPlacement([{ id: 'a', weight: 2 }, 'b'])).toThrow(InvalidArgumentError);
    expect(() => createPlacement('mod-n', { nodes: [{ id: 'a', weight: 0.5 }] })).toThrow(/weight/);
    const p = new ModNPlacement(['a', 'b']);
    expect(() => p.withNode({ id: 'c', weight: 2 })).toThrow(InvalidArgumentError);
    expect(p.nodeIds).toEqual(['a', 'b']);
    expect(new ModNPlacement([{ id: 'a', weight: 1 }]).nodeIds).toEqual(['a']);
  });

  it('withoutNode and weightOf of a bigint or an object are typed errors, not TypeErrors', () => {
    for (const name of STRATEGIES) {
      const p = createPlacement(name, { nodes: base });
      for (const bad of [10n, Object.create(null), Symbol('x'), { toString: () => 'a' }]) {
        for (const f of [() => p.withoutNode(bad as string), () => p.weightOf(bad as string)]) {
          try {
            f();
            expect.unreachable(`${name} accepted ${String(typeof bad)}`);
          } catch (e) {
            expect(e, name).toBeInstanceOf(ShardkitError);
            expect(e instanceof NotFoundError || e instanceof InvalidArgumentError).toBe(true);
          }
        }
      }
      p.checkInvariants();
    }
  });
});
