import { describe, it, expect } from 'vitest';
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import { InvalidArgumentError, NotFoundError, StateError } from '../errors.js';
import { md5Word0 } from '../hash/md5.js';
import { mulberry32 } from '../util/random.js';
import { KetamaRing, type KetamaNodeSpec } from './ketama.js';
import { placementSuite } from './placement.suite.js';

/** The oracle: npm `hashring` v3, the library this ring must agree with key for key. */
interface HashRingLike {
  get(key: string): string;
  range(key: string, size: number): string[];
  add(servers: unknown): HashRingLike;
  remove(server: string): HashRingLike;
}
type HashRingCtor = new (servers: unknown, algorithm?: string, options?: Record<string, unknown>) => HashRingLike;
const HashRing = createRequire(import.meta.url)('hashring') as HashRingCtor;

// Measured max/mean share (40 digests × 4 points): 1.04 (2 servers), 1.12 (5), 1.13 (16), 1.17 (100).
placementSuite('ketama', {
  create: (nodes) => new KetamaRing(nodes),
  listEqualsJoins: true,
  minimalMovement: false,
  minimalMovementWhyNot:
    'hashring recomputes every server’s digest count as floor(w/W × vnodes × N) on each change, so with unequal weights, ' +
    'and with equal weights at N = 7, 14, 28, … (vnodes 40), servers that stay gain or lose points; the ketama tests pin where it holds and where not',
  balanceBound: () => 1.25,
  weighted: true,
});

const USER_KEYS = Array.from({ length: 100_000 }, (_, i) => `user:${i}`);

/** Random keys of every kind of character: ASCII, accents, CJK, emoji, lone surrogates (seeded). */
function randomKeys(count: number, seed: number): string[] {
  const rnd = mulberry32(seed);
  const alphabet = ['a', 'Z', '0', ':', ' ', 'é', 'ß', '日', '本', '😀', '\ud800', '\udfff', '{', '}', '-'];
  return Array.from({ length: count }, () => {
    let s = '';
    const len = Math.floor(rnd() * 24);
    for (let i = 0; i < len; i++) s += alphabet[Math.floor(rnd() * alphabet.length)];
    return s;
  });
}

function mismatches(ours: KetamaRing, oracle: HashRingLike, keys: readonly string[]): string[] {
  const bad: string[] = [];
  for (const k of keys) {
    const want = oracle.get(k);
    const got = ours.locate(k);
    if (want !== got) bad.push(`${JSON.stringify(k)}: hashring ${want}, ketama ${got}`);
  }
  return bad;
}

const weightsObject = (specs: readonly KetamaNodeSpec[]): Record<string, number> => Object.fromEntries(specs.map((s) => [s.id, s.weight ?? 1]));

describe('ketama ring: identical placement to npm hashring', () => {
  const cases: { name: string; ours: () => KetamaRing; oracle: () => HashRingLike }[] = [
    {
      name: '3 memcached servers, equal weights, default options',
      ours: () => new KetamaRing(['10.0.0.1:11211', '10.0.0.2:11211', '10.0.0.3:11211']),
      oracle: () => new HashRing(['10.0.0.1:11211', '10.0.0.2:11211', '10.0.0.3:11211']),
    },
    {
      name: '7 servers (the float formula gives 39 digests each)',
      ours: () => new KetamaRing(Array.from({ length: 7 }, (_, i) => `cache-${i}`)),
      oracle: () => new HashRing(Array.from({ length: 7 }, (_, i) => `cache-${i}`)),
    },
    {
      name: '6 weighted servers (object form in hashring)',
      ours: () => new KetamaRing(WEIGHTED),
      oracle: () => new HashRing(weightsObject(WEIGHTED)),
    },
    {
      name: '100 servers',
      ours: () => new KetamaRing(Array.from({ length: 100 }, (_, i) => `shard-${i}.example:6379`)),
      oracle: () => new HashRing(Array.from({ length: 100 }, (_, i) => `shard-${i}.example:6379`)),
    },
  ];
  const WEIGHTED: KetamaNodeSpec[] = [
    { id: 'a:1', weight: 1 },
    { id: 'b:1', weight: 2 },
    { id: 'c:1', weight: 3.5 },
    { id: 'd:1', weight: 0.75 },
    { id: 'e:1', weight: 10 },
    { id: 'f:1', weight: 1 },
  ];

  it.each(cases)('$name: 100,000 user keys and 5,000 random Unicode keys land where hashring puts them', ({ ours, oracle }) => {
    const ring = ours();
    ring.checkInvariants();
    const o = oracle();
    expect(mismatches(ring, o, USER_KEYS)).toEqual([]);
    expect(mismatches(ring, o, randomKeys(5_000, 77))).toEqual([]);
  });

  it('matches hashring with its options: vnode count, 3 points per digest (hash_ring), default port, per-server vnodes', () => {
    const servers = ['10.1.0.1:11211', '10.1.0.2:11211', '10.1.0.3:22122', '10.1.0.4'];
    const ring = new KetamaRing(servers, { vnodes: 100, pointsPerHash: 3, defaultPort: 11211 });
    const o = new HashRing(servers, 'md5', { 'vnode count': 100, compatibility: 'hash_ring', 'default port': 11211 });
    ring.checkInvariants();
    expect(mismatches(ring, o, USER_KEYS.slice(0, 30_000))).toEqual([]);
    const custom = new KetamaRing([{ id: 'x:1', vnodes: 10 }, { id: 'y:1', vnodes: 80 }, 'z:1']);
    const oc = new HashRing({ 'x:1': { vnodes: 10 }, 'y:1': { vnodes: 80 }, 'z:1': 1 });
    expect(custom.digestsOf('x:1')).toBe(10);
    expect(custom.digestsOf('y:1')).toBe(80);
    expect(mismatches(custom, oc, USER_KEYS.slice(0, 30_000))).toEqual([]);
  });

  it('computes digest counts with hashring’s float formula floor(w/W × vnodes × N)', () => {
    expect(new KetamaRing(['a', 'b']).digestsOf('a')).toBe(40);
    expect(new KetamaRing(Array.from({ length: 7 }, (_, i) => `s${i}`)).digestsOf('s0')).toBe(39);
    const w = new KetamaRing([{ id: 'a', weight: 1 }, { id: 'b', weight: 2 }]);
    expect(w.digestsOf('a')).toBe(26);
    expect(w.digestsOf('b')).toBe(53);
    expect(w.pointPositions()).toHaveLength((26 + 53) * 4);
    expect(w.pointOwners().filter((o) => o === 'a')).toHaveLength(26 * 4);
  });

  it('after joins and leaves, still agrees with hashring after add() and remove()', () => {
    let ring = new KetamaRing(['n1:1', 'n2:1', 'n3:1', 'n4:1']);
    const o = new HashRing(['n1:1', 'n2:1', 'n3:1', 'n4:1']);
    const keys = USER_KEYS.slice(0, 10_000);
    const steps: [string, string][] = [['add', 'n5:1'], ['remove', 'n2:1'], ['add', '42'], ['add', 'n6:1'], ['remove', 'n1:1'], ['add', '7']];
    for (const [op, id] of steps) {
      const change = op === 'add' ? ring.withNode(id) : ring.withoutNode(id);
      if (op === 'add') o.add(id);
      else o.remove(id);
      ring = change.placement;
      ring.checkInvariants();
      expect(mismatches(ring, o, keys), `after ${op} ${id}`).toEqual([]);
    }
    // hashring's add() orders servers as object keys do: integer-like names first.
    expect(ring.nodeIds.slice(0, 2)).toEqual(['7', '42']);
  });

  it('preference lists equal hashring range(key, n)', () => {
    const ids = Array.from({ length: 9 }, (_, i) => `r${i}:11211`);
    const ring = new KetamaRing(ids);
    const o = new HashRing(ids);
    for (const k of USER_KEYS.slice(0, 2000)) {
      const n = 1 + (k.length % 9);
      expect(ring.preferenceList(k, n)).toEqual(o.range(k, n));
    }
  });

  it('when two servers put a point at the same position, the earlier server owns the range, as in hashring', () => {
    // 1,000 servers × 160 points: a 32-bit collision is likely; find one between two different servers.
    const ids = Array.from({ length: 1000 }, (_, i) => `mc${i}.local:11211`);
    const ring = new KetamaRing(ids);
    const owner = new Map<number, string>();
    let collision: { pos: number; first: string } | undefined;
    for (const id of ids) {
      for (let i = 0; i < 40; i++) {
        const digest = createHash('md5').update(`${id}-${i}`).digest();
        for (let j = 0; j < 4; j++) {
          const w = digest.readUInt32LE(4 * j);
          const prev = owner.get(w);
          if (prev === undefined) owner.set(w, id);
          else if (prev !== id && !collision) collision = { pos: w, first: prev };
        }
      }
    }
    expect(collision, 'this server set has a colliding point').toBeDefined();
    const { pos, first } = collision as { pos: number; first: string };
    // The arc ending at the collision: search keys hashing into it (bounded).
    let below = 0;
    for (const p of owner.keys()) if (p < pos && p > below) below = p;
    let probe: string | undefined;
    for (let i = 0; i < 5_000_000 && probe === undefined; i++) {
      const h = md5Word0(`probe:${i}`);
      if (h > below && h <= pos) probe = `probe:${i}`;
    }
    expect(probe).toBeDefined();
    const o = new HashRing(ids);
    expect(o.get(probe as string)).toBe(first);
    expect(ring.locate(probe as string)).toBe(first);
    ring.checkInvariants();
  });
});

describe('ketama ring: movement and plans', () => {
  const ids = (n: number): string[] => Array.from({ length: n }, (_, i) => `s${i}:11211`);

  it('with equal weights, a join moves keys only to the joiner when the digest counts stay (3→4, 8→9, 10→11 servers)', () => {
    for (const n of [3, 8, 10]) {
      const before = new KetamaRing(ids(n));
      const { placement: after, plan } = before.withNode('joiner:11211');
      for (const m of plan.moves) expect(m.to).toBe('joiner:11211');
      for (const t of plan.transfers ?? []) expect(t.to).toBe('joiner:11211');
      for (const k of USER_KEYS.slice(0, 5000)) {
        const x = before.locate(k);
        const y = after.locate(k);
        if (x !== y) expect(y).toBe('joiner:11211');
      }
    }
  });

  it('going from 6 to 7 servers also moves keys between servers that stay, as hashring does (39 digests each at 7)', () => {
    const before = new KetamaRing(ids(6));
    const { placement: after, plan } = before.withNode('s6:11211');
    const between = plan.moves.filter((m) => m.to !== 's6:11211');
    expect(between.length).toBeGreaterThan(0);
    const o = new HashRing(ids(6)).add('s6:11211');
    expect(mismatches(after, o, USER_KEYS.slice(0, 10_000))).toEqual([]);
    // The plan's moved fraction is the keys that change owner (checked on a sample).
    let moved = 0;
    for (const k of USER_KEYS) if (before.locate(k) !== after.locate(k)) moved++;
    expect(moved / USER_KEYS.length).toBeCloseTo(plan.movedFraction, 2);
  });

  it('removing a server moves keys only from it when the digest counts stay (5→4)', () => {
    const before = new KetamaRing(ids(5));
    const { placement, plan } = before.withoutNode('s2:11211');
    placement.checkInvariants();
    for (const m of plan.moves) expect(m.from).toBe('s2:11211');
    expect(plan.movedFraction).toBeCloseTo(before.loadShares().get('s2:11211') as number, 12);
  });

  it('an empty ring throws StateError; a server whose weight share rounds to zero digests gets no keys, as in hashring', () => {
    const empty = new KetamaRing([]);
    expect(() => empty.locate('k')).toThrow(StateError);
    expect(empty.describe()).toMatch(/empty/);
    const tiny = new KetamaRing([{ id: 'big', weight: 1000 }, { id: 'tiny', weight: 1 }]);
    tiny.checkInvariants();
    expect(tiny.digestsOf('tiny')).toBe(0);
    expect(tiny.loadShares().get('tiny')).toBe(0);
    expect(tiny.locate('anything')).toBe('big');
  });

  it('rejects bad options with typed errors naming what is allowed, and stays unchanged', () => {
    expect(() => new KetamaRing(['a'], { vnodes: 0 })).toThrow(InvalidArgumentError);
    expect(() => new KetamaRing(['a'], { pointsPerHash: 5 })).toThrow(/pointsPerHash/);
    expect(() => new KetamaRing(['a'], { defaultPort: 70000 })).toThrow(InvalidArgumentError);
    expect(() => new KetamaRing([{ id: 'a', vnodes: 0 }])).toThrow(/vnodes of node "a"/);
    expect(() => new KetamaRing('a' as unknown as string[])).toThrow(InvalidArgumentError);
    const ring = new KetamaRing(ids(3));
    const owners = USER_KEYS.slice(0, 100).map((k) => ring.locate(k));
    expect(() => ring.withNode({ id: 'x', vnodes: -3 })).toThrow(InvalidArgumentError);
    expect(() => ring.withoutNode('nope')).toThrow(NotFoundError);
    expect(() => ring.planTo(new KetamaRing(ids(3), { vnodes: 10 }))).toThrow(InvalidArgumentError);
    expect(USER_KEYS.slice(0, 100).map((k) => ring.locate(k))).toEqual(owners);
    ring.checkInvariants();
  });
});
