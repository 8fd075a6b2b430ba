/**
 * `shardkit/replication` against the hostile-value generator
 * (src/testing/hostile.ts): the coordinator, the in-process cluster, replica
 * and hint stores (memory and durable), log files, the hint-log codec,
 * versions, hints, handoff and the simulation, with each hostile value in
 * each parameter in turn. A value in the documented domain is accepted (or
 * gets a ShardkitError such as NotFoundError for an unknown node); anything
 * else gets a typed ShardkitError, never a TypeError or a proxy's own error,
 * and a refused call leaves every store, counter and file as it was.
 */
import { describe, it, expect, afterEach } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectTypedOrAccepted, hostileValues, isObjectLike, safeIsArray } from '../testing/hostile.js';
import { ManualClock } from '../util/clock.js';
import { ModNPlacement } from '../partitioning/mod-n.js';
import { Coordinator } from './coordinator.js';
import type { CoordinatorOptions } from './options.js';
import { ReplicaCluster } from './cluster.js';
import { LamportClock, areConcurrent, assertVersion, compareVersions, formatVersion, newerVersion } from './version.js';
import { MemoryReplicaStore, decidePut } from './replica-store.js';
import { assertHint, hintExpiresAtMs, isHintExpired, type NewHint } from './hint.js';
import { type HintStore, MemoryHintStore } from './hint-store.js';
import { DurableHintStore, openFileHintStore } from './durable-hint-store.js';
import { MemoryLogFile, NodeLogFile } from './log-file.js';
import { decodeLog, encodeRecord } from './hint-log.js';
import { handoffStep } from './handoff.js';
import { simulateReplication, simulateSeeds, sumSimulations } from './simulation.js';

const HOSTILE = hostileValues();
const NODES = ['a', 'b', 'c', 'd'];
const isInt = (v: unknown, min: number, max: number): boolean => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const isId = (v: unknown): boolean => typeof v === 'string' && v.length > 0;
const isBool = (v: unknown): boolean => typeof v === 'boolean';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const base = (): CoordinatorOptions => ({ nodes: NODES, placement: new ModNPlacement(NODES), n: 3, w: 2, r: 2, hintTtlMs: 100, clock: new ManualClock() });

/** A coordinator with a key written while node a was down: a hint is held somewhere. */
function coordinator(): Coordinator {
  const c = new Coordinator(base());
  c.write('k0', 'v0');
  c.nodeDown('a');
  for (let i = 1; i < 6; i++) c.write(`k${i}`, `v${i}`);
  return c;
}

/** Everything observable about a coordinator: stores, hints, availability, metrics, the version counter. */
function snapshot(c: Coordinator): string {
  const stores = c.cluster.all().map((n) => ({ id: n.id, up: n.available, keys: [...n.replicas.keys()].map((k) => [k, n.replicas.get(k)]), hints: [...n.hints.all()] }));
  return JSON.stringify({ stores, metrics: c.metrics(), counter: c.versionCounter });
}

const hint = (): NewHint => ({ target: 'b', key: 'k', value: 'v', version: { counter: 1, coordinator: 'c0' }, createdAtMs: 0, ttlMs: 100 });

/** Run `call` on `subject`; a refusal must leave `observe(subject)` as it was. */
function check(label: string, observe: () => unknown, call: () => unknown, accepted: boolean): void {
  const before = JSON.stringify(observe());
  const out = expectTypedOrAccepted(label, call, accepted);
  if (!out.ok) expect(JSON.stringify(observe()), `${label}: changed although the call was refused`).toBe(before);
}

describe('replication under hostile input: a typed error or a documented acceptance, and nothing changed (issue 12 §4)', () => {
  it('Coordinator: every method, every hostile value in every parameter', () => {
    for (const h of HOSTILE) {
      const v = h.make();
      const calls: Array<[string, (c: Coordinator) => unknown, boolean]> = [
        ['write(v, x)', (c) => c.write(h.make() as string, 'x'), typeof v === 'string'],
        ['write(k, v)', (c) => c.write('k9', h.make() as string), typeof v === 'string'],
        ['read(v)', (c) => c.read(h.make() as string), typeof v === 'string'],
        // Node ids: a string names a node (unknown: NotFoundError); anything else is refused.
        ['nodeDown(v)', (c) => c.nodeDown(h.make() as string), false],
        ['nodeUp(v)', (c) => c.nodeUp(h.make() as string), false],
        ['crashNode(v)', (c) => c.crashNode(h.make() as string), false],
        ['handoff(v)', (c) => c.handoff(h.make() as string), false],
        ['handoff(b, v)', (c) => c.handoff('b', h.make() as number), v === undefined || isInt(v, 1, Number.MAX_SAFE_INTEGER)],
      ];
      for (const [label, call, accepted] of calls) {
        const c = coordinator();
        check(`Coordinator.${label} with ${h.name}`, () => snapshot(c), () => call(c), accepted);
        c.checkInvariants();
      }
    }
  });

  it('Coordinator: construction with a hostile options object or option', () => {
    const optional = ['sloppyQuorum', 'hintedHandoff', 'hintsMax', 'handoffRatePerTick', 'readRepair', 'coordinatorId', 'random', 'placement'] as const;
    for (const h of HOSTILE) {
      const v = h.make();
      const attempts: Array<[string, () => unknown, boolean]> = [
        ['options', () => new Coordinator(h.make() as CoordinatorOptions), false],
        ['n', () => new Coordinator({ ...base(), n: h.make() as number }), false],
        ['w', () => new Coordinator({ ...base(), w: h.make() as number }), false],
        ['r', () => new Coordinator({ ...base(), r: h.make() as number }), false],
        ['hintTtlMs', () => new Coordinator({ ...base(), hintTtlMs: h.make() as number }), typeof v === 'number' && Number.isFinite(v) && v > 0],
        ['clock', () => new Coordinator({ ...base(), clock: h.make() as ManualClock }), false],
        ['nodes', () => new Coordinator({ ...base(), placement: undefined, nodes: h.make() as string[] }), false],
        ['nodes: [v, b, c]', () => new Coordinator({ ...base(), placement: undefined, nodes: [h.make() as string, 'b', 'c'] }), isId(v) && v !== 'b' && v !== 'c'],
        ['cluster', () => new Coordinator({ ...base(), nodes: undefined, placement: undefined, cluster: h.make() as ReplicaCluster }), false],
        ...optional.map((o): [string, () => unknown, boolean] => [
          o,
          () => new Coordinator({ ...base(), [o]: h.make() }),
          // An optional option given as null takes its default, like undefined.
          v == null ||
            ((o === 'sloppyQuorum' || o === 'hintedHandoff' || o === 'readRepair') && isBool(v)) ||
            (o === 'hintsMax' && isInt(v, 0, Number.MAX_SAFE_INTEGER)) ||
            (o === 'handoffRatePerTick' && isInt(v, 1, Number.MAX_SAFE_INTEGER)) ||
            (o === 'coordinatorId' && isId(v)) ||
            (o === 'random' && typeof v === 'function'),
        ]),
      ];
      for (const [label, call, accepted] of attempts) {
        const out = expectTypedOrAccepted(`new Coordinator(${label}: ${h.name})`, call, accepted);
        if (out.ok) (out.value as Coordinator).checkInvariants();
      }
    }
  });

  it('ReplicaCluster, handoffStep and the simulation', () => {
    const cluster = new ReplicaCluster(NODES);
    cluster.node('a').hints.add(hint());
    const observe = (): unknown => [cluster.status(), [...cluster.node('a').hints.all()]];
    for (const h of HOSTILE) {
      const v = h.make();
      const calls: Array<[string, () => unknown, boolean]> = [
        ['new ReplicaCluster(v)', () => new ReplicaCluster(h.make() as string[]), safeIsArray(v) && (v as unknown[]).length > 0 && new Set(v as unknown[]).size === (v as unknown[]).length && (v as unknown[]).every(isId)],
        ['new ReplicaCluster([v, b])', () => new ReplicaCluster([h.make() as string, 'b']), isId(v) && v !== 'b'],
        ['new ReplicaCluster(nodes, v)', () => new ReplicaCluster(NODES, h.make() as object), v === undefined || (isObjectLike(v) && h.name !== 'proxy with throwing traps' && h.name !== 'revoked proxy')],
        ['new ReplicaCluster(nodes, { hintStore: v })', () => new ReplicaCluster(NODES, { hintStore: h.make() as never }), v == null],
        ['new ReplicaCluster(nodes, { replicaStore: v })', () => new ReplicaCluster(NODES, { replicaStore: h.make() as never }), v == null],
        ['cluster.node(v)', () => cluster.node(h.make() as string), false],
        ['cluster.has(v)', () => cluster.has(h.make() as string), true],
        ['cluster.hintsFor(v)', () => cluster.hintsFor(h.make() as string), typeof v === 'string'],
        ['handoffStep(v, step)', () => handoffStep(h.make() as ReplicaCluster, { nowMs: 0, ratePerTarget: 1, startHolder: 0 }), false],
        ['handoffStep(cluster, v)', () => handoffStep(cluster, h.make() as never), false],
        ['handoffStep(cluster, { nowMs: v })', () => handoffStep(new ReplicaCluster(NODES), { nowMs: h.make() as number, ratePerTarget: 1, startHolder: 0 }), typeof v === 'number' && Number.isFinite(v)],
        ['handoffStep(cluster, { ratePerTarget: v })', () => handoffStep(new ReplicaCluster(NODES), { nowMs: 0, ratePerTarget: h.make() as number, startHolder: 0 }), isInt(v, 0, Number.MAX_SAFE_INTEGER)],
        ['handoffStep(cluster, { startHolder: v })', () => handoffStep(new ReplicaCluster(NODES), { nowMs: 0, ratePerTarget: 1, startHolder: h.make() as number }), isInt(v, 0, Number.MAX_SAFE_INTEGER)],
        ['handoffStep(cluster, { onlyTarget: v })', () => handoffStep(new ReplicaCluster(NODES), { nowMs: 0, ratePerTarget: 1, startHolder: 0, onlyTarget: h.make() as string }), v === undefined],
        ['simulateReplication(v)', () => simulateReplication(h.make() as never), false],
        ['simulateReplication({ seed: v })', () => simulateReplication({ seed: h.make() as number, steps: 5 }), isInt(v, 0, 0xffffffff)],
        ['simulateReplication({ failureRate: v })', () => simulateReplication({ seed: 1, steps: 5, failureRate: h.make() as number }), v == null || (typeof v === 'number' && v >= 0 && v <= 1)],
        ['simulateReplication({ durableHints: v })', () => simulateReplication({ seed: 1, steps: 5, durableHints: h.make() as boolean }), v == null || isBool(v)],
        ['simulateReplication({ checkInvariants: v })', () => simulateReplication({ seed: 1, steps: 5, checkInvariants: h.make() as boolean }), v == null || isBool(v)],
        ['simulateReplication({ placement: v })', () => simulateReplication({ seed: 1, steps: 5, placement: h.make() as never }), v == null],
        ['simulateSeeds(v, 1)', () => simulateSeeds(h.make() as never, 1), v === undefined || (isObjectLike(v) && !['proxy with throwing traps', 'revoked proxy'].includes(h.name))],
        ['simulateSeeds({ steps: 5 }, v)', () => simulateSeeds({ steps: 5 }, h.make() as number), false],
        ['sumSimulations(v)', () => sumSimulations(h.make() as never), safeIsArray(v) && (v as unknown[]).length === 0],
      ];
      for (const [label, call, accepted] of calls) check(`${label} with ${h.name}`, observe, call, accepted);
    }
    cluster.checkInvariants();
  });

  it('versions, Lamport clocks, replica stores and hints', () => {
    const ver = { counter: 1, coordinator: 'c0' };
    for (const h of HOSTILE) {
      const v = h.make();
      // A fresh store and clock per value: an accepted put of the 10 MB value must not slow every later comparison.
      const store = new MemoryReplicaStore();
      store.put('k', { value: 'v', version: { counter: 2, coordinator: 'c0' } });
      const clock = new LamportClock('c0');
      clock.next();
      const observe = (): unknown => [[...store.keys()].map((k) => [k, store.get(k)]), clock.current];
      const calls: Array<[string, () => unknown, boolean]> = [
        ['compareVersions(v, ver)', () => compareVersions(h.make() as never, ver), false],
        ['compareVersions(ver, v)', () => compareVersions(ver, h.make() as never), false],
        ['compareVersions({ counter: v }, ver)', () => compareVersions({ counter: h.make() as number, coordinator: 'c0' }, ver), isInt(v, 1, Number.MAX_SAFE_INTEGER)],
        ['areConcurrent(v, ver)', () => areConcurrent(h.make() as never, ver), false],
        ['newerVersion(ver, v)', () => newerVersion(ver, h.make() as never), false],
        ['formatVersion(v)', () => formatVersion(h.make() as never), false],
        ['formatVersion({ coordinator: v })', () => formatVersion({ counter: 1, coordinator: h.make() as string }), isId(v)],
        ['assertVersion(v)', () => assertVersion(h.make()), false],
        ['assertVersion(ver, v)', () => assertVersion({}, h.make() as string), false],
        ['new LamportClock(v)', () => new LamportClock(h.make() as string), isId(v)],
        ['clock.observe(v)', () => clock.observe(h.make() as never), false],
        ['clock.observe({ counter: v })', () => clock.observe({ counter: h.make() as number, coordinator: 'c1' }), isInt(v, 1, Number.MAX_SAFE_INTEGER)],
        ['store.get(v)', () => store.get(h.make() as string), typeof v === 'string'],
        ['store.put(v, x)', () => store.put(h.make() as string, { value: 'x', version: { counter: 3, coordinator: 'c0' } }), typeof v === 'string'],
        ['store.put(k, v)', () => store.put('k', h.make() as never), false],
        ['store.put(k, { value: v })', () => store.put('k', { value: h.make() as string, version: { counter: 3, coordinator: 'c0' } }), typeof v === 'string'],
        ['store.put(k, { version: v })', () => store.put('k', { value: 'x', version: h.make() as never }), false],
        ['decidePut(v, x)', () => decidePut(h.make() as never, { value: 'x', version: ver }), v === undefined],
        ['decidePut(undefined, v)', () => decidePut(undefined, h.make() as never), false],
        ['hintExpiresAtMs(v)', () => hintExpiresAtMs(h.make() as NewHint), false],
        ['isHintExpired(v, 0)', () => isHintExpired(h.make() as NewHint, 0), false],
        ['isHintExpired(hint, v)', () => isHintExpired(hint(), h.make() as number), typeof v === 'number' && !Number.isNaN(v)],
        ['assertHint(v)', () => assertHint(h.make()), false],
        ['assertHint({ ...hint, key: v })', () => assertHint({ ...hint(), id: 1, key: h.make() as string }), typeof v === 'string'],
      ];
      for (const [label, call, accepted] of calls) check(`${label} with ${h.name}`, observe, call, accepted);
      store.checkInvariants();
    }
  });

  it('hint stores (memory and durable over a memory file): add, remove, forTarget, countFor, construction', () => {
    const stores: Array<[string, () => { store: HintStore; bytes: () => unknown }]> = [
      ['MemoryHintStore', () => ({ store: new MemoryHintStore(), bytes: () => null })],
      [
        'DurableHintStore',
        () => {
          const file = new MemoryLogFile();
          return { store: new DurableHintStore(file), bytes: () => Buffer.from(file.read()).toString('base64') };
        },
      ],
    ];
    const fields = ['target', 'key', 'value', 'version', 'createdAtMs', 'ttlMs'] as const;
    for (const [name, make] of stores) {
      for (const h of HOSTILE) {
        const v = h.make();
        const calls: Array<[string, (s: HintStore) => unknown, boolean]> = [
          ['add(v)', (s) => s.add(h.make() as NewHint), false],
          ...fields.map((f): [string, (s: HintStore) => unknown, boolean] => [
            `add({ ${f}: v })`,
            (s) => s.add({ ...hint(), [f]: h.make() }),
            (f === 'target' && isId(v)) ||
              ((f === 'key' || f === 'value') && typeof v === 'string') ||
              (f === 'createdAtMs' && typeof v === 'number' && Number.isFinite(v)) ||
              (f === 'ttlMs' && typeof v === 'number' && Number.isFinite(v) && v > 0),
          ]),
          ['remove(v)', (s) => s.remove(h.make() as number[]), safeIsArray(v) && [...(v as unknown[])].every((x) => isInt(x, 1, Number.MAX_SAFE_INTEGER))],
          ['remove([v])', (s) => s.remove([h.make() as number]), isInt(v, 1, Number.MAX_SAFE_INTEGER)],
          ['forTarget(v)', (s) => [...s.forTarget(h.make() as string)], typeof v === 'string'],
          ['countFor(v)', (s) => s.countFor(h.make() as string), typeof v === 'string'],
        ];
        for (const [label, call, accepted] of calls) {
          const { store, bytes } = make();
          store.add(hint());
          check(`${name}.${label} with ${h.name}`, () => [[...store.all()], bytes()], () => call(store), accepted);
          store.checkInvariants();
        }
        const file = new MemoryLogFile();
        expectTypedOrAccepted(`new DurableHintStore(v) with ${h.name}`, () => new DurableHintStore(h.make() as MemoryLogFile), false);
        expectTypedOrAccepted(`new DurableHintStore(file, v) with ${h.name}`, () => new DurableHintStore(file, h.make() as object), v === undefined || (isObjectLike(v) && !['proxy with throwing traps', 'revoked proxy'].includes(h.name)));
        expectTypedOrAccepted(
          `new DurableHintStore(file, { compactMinDeadRecords: v }) with ${h.name}`,
          () => new DurableHintStore(new MemoryLogFile(), { compactMinDeadRecords: h.make() as number }),
          v == null || isInt(v, 0, Number.MAX_SAFE_INTEGER),
        );
        expectTypedOrAccepted(`new DurableHintStore(file, { repair: v }) with ${h.name}`, () => new DurableHintStore(new MemoryLogFile(), { repair: h.make() as boolean }), v == null || isBool(v));
      }
    }
  });

  it('log files, the hint-log codec and openFileHintStore', () => {
    const dir = mkdtempSync(join(tmpdir(), 'shardkit-hostile-hints-'));
    dirs.push(dir);
    const mem = new MemoryLogFile();
    mem.append(new Uint8Array([1, 2, 3]));
    mem.sync();
    const path = join(dir, 'hints.log');
    const disk = new NodeLogFile(path);
    disk.append(new Uint8Array([1, 2, 3]));
    disk.sync();
    const observe = (): unknown => [Buffer.from(mem.read()).toString('base64'), readFileSync(path).toString('base64')];
    const good = encodeRecord({ type: 'header', format: 'shardkit-hints', version: 1 });
    for (const h of HOSTILE) {
      const v = h.make();
      const isBytes = h.name === 'Uint8Array';
      const calls: Array<[string, () => unknown, boolean]> = [
        ['new MemoryLogFile(v)', () => new MemoryLogFile(h.make() as string), v === undefined || isId(v)],
        ['memory.append(v)', () => mem.append(h.make() as Uint8Array), isBytes],
        ['memory.truncate(v)', () => mem.truncate(h.make() as number), isInt(v, 0, mem.read().length)],
        ['memory.replace(v)', () => mem.replace(h.make() as Uint8Array), isBytes],
        ['memory.keepCopy(v)', () => mem.keepCopy(h.make() as Uint8Array), isBytes],
        ['disk.append(v)', () => disk.append(h.make() as Uint8Array), isBytes],
        ['disk.truncate(v)', () => disk.truncate(h.make() as number), isInt(v, 0, readFileSync(path).length)],
        ['disk.replace(v)', () => disk.replace(h.make() as Uint8Array), isBytes],
        ['disk.keepCopy(v)', () => disk.keepCopy(h.make() as Uint8Array), isBytes],
        ['encodeRecord(v)', () => encodeRecord(h.make() as never), false],
        ['encodeRecord({ type: add, hint: v })', () => encodeRecord({ type: 'add', hint: h.make() as never }), false],
        ['encodeRecord({ type: remove, ids: v })', () => encodeRecord({ type: 'remove', ids: h.make() as number[] }), safeIsArray(v) && [...(v as unknown[])].every((x) => isInt(x, 1, Number.MAX_SAFE_INTEGER))],
        ['decodeLog(v)', () => decodeLog(h.make() as Uint8Array), isBytes],
        ['decodeLog(good, v)', () => decodeLog(good, h.make() as object), v === undefined || (isObjectLike(v) && !['proxy with throwing traps', 'revoked proxy'].includes(h.name))],
        ['decodeLog(good, { resync: v })', () => decodeLog(good, { resync: h.make() as boolean }), v == null || isBool(v)],
      ];
      // Paths: strings are file names (not created here: they would land in the working directory); anything else is refused.
      if (typeof v !== 'string') {
        calls.push(['new NodeLogFile(v)', () => new NodeLogFile(h.make() as string), false]);
        calls.push(['openFileHintStore(v)', () => openFileHintStore(h.make() as string), false]);
      }
      calls.push(['openFileHintStore(path, v)', () => openFileHintStore(join(dir, 'other.log'), h.make() as object), v === undefined || (isObjectLike(v) && !['proxy with throwing traps', 'revoked proxy'].includes(h.name))]);
      for (const [label, call, accepted] of calls) {
        const out = (() => {
          const before = JSON.stringify(observe());
          const o = expectTypedOrAccepted(`${label} with ${h.name}`, call, accepted);
          // Appends, truncations and replacements that were accepted change the file; a refusal must not.
          if (!o.ok) expect(JSON.stringify(observe()), `${label} with ${h.name}: a file changed although the call was refused`).toBe(before);
          return o;
        })();
        if (out.ok && out.value instanceof DurableHintStore) out.value.close();
        // Put the files back to their three bytes for the next call.
        mem.replace(new Uint8Array([1, 2, 3]));
        disk.replace(new Uint8Array([1, 2, 3]));
      }
    }
    // A 10 MB file name is refused by the file system: a typed error, not the raw ENAMETOOLONG.
    expectTypedOrAccepted('new NodeLogFile(dir/10 MB name)', () => new NodeLogFile(join(dir, HOSTILE.find((x) => x.name === '10 MB string')?.make() as string)), false);
    disk.close();
  });
});
