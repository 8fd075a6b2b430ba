import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../util/clock.js';
import { initialMap } from '../map.js';
import { encodeRequest } from '../node/forward.js';
import { encodeCommand } from '../resp/request-encoder.js';
import { keyIndices } from './command-keys.js';
import { parseRedirect } from './redirect.js';
import { RefreshGate, RoutingTable } from './routing.js';

const nodes = [1, 2, 3].map((i) => ({ id: `n${i}`, weight: 1, host: '127.0.0.1', port: 7000 + i }));

describe('client routing core', () => {
  it('a burst of MOVED replies under one epoch starts one refresh; the rest join it', async () => {
    const clock = new ManualClock(1000);
    let refreshes = 0;
    let release: () => void = () => undefined;
    const gate = new RefreshGate(clock, 100, () => {
      refreshes++;
      return new Promise<void>((r) => (release = r));
    });
    const waits = Array.from({ length: 50 }, () => gate.request(1, 1));
    expect(refreshes).toBe(1);
    release();
    await Promise.all(waits);
    expect(gate.counts).toEqual({ started: 1, joined: 49, skipped: 0 });
  });

  it('a MOVED for a request routed under an older epoch does not refresh again', async () => {
    const gate = new RefreshGate(new ManualClock(0), 0, async () => undefined);
    await gate.request(1, 2);
    expect(gate.counts.started).toBe(0);
    expect(gate.counts.skipped).toBe(1);
  });

  it('refreshes are at least minIntervalMs apart unless forced by an unreachable owner', async () => {
    const clock = new ManualClock(0);
    const gate = new RefreshGate(clock, 100, async () => undefined);
    await gate.request(1, 1);
    clock.advance(50);
    await gate.request(1, 1);
    expect(gate.counts.started).toBe(1);
    await gate.request(1, 1, true);
    expect(gate.counts.started).toBe(2);
    clock.advance(100);
    await gate.request(1, 1);
    expect(gate.counts.started).toBe(3);
  });

  it('a failed refresh leaves the gate usable and never rejects', async () => {
    const gate = new RefreshGate(new ManualClock(0), 0, () => Promise.reject(new Error('meta down')));
    await expect(gate.request(1, 1)).resolves.toBeUndefined();
    await expect(gate.request(1, 1)).resolves.toBeUndefined();
    expect(gate.counts.started).toBe(2);
  });

  it('parses MOVED and ASK as Redis words them, and nothing else', () => {
    expect(parseRedirect('MOVED 3999 127.0.0.1:6381', 'x')).toEqual({ kind: 'MOVED', slot: 3999, host: '127.0.0.1', port: 6381 });
    expect(parseRedirect('ASK 12 ::1:7000', 'x')).toEqual({ kind: 'ASK', slot: 12, host: '::1', port: 7000 });
    expect(parseRedirect('MOVED 3999 :6381', 'h')).toEqual({ kind: 'MOVED', slot: 3999, host: 'h', port: 6381 });
    for (const bad of ['ERR MOVED 1 a:1', 'MOVED x a:1', 'MOVED 1 a:99999', 'MOVED 1', 'CROSSSLOT Keys']) expect(parseRedirect(bad, 'h')).toBeUndefined();
  });

  it('finds the keys of each command layout', () => {
    expect(keyIndices(['GET', 'k'])).toEqual([1]);
    expect(keyIndices(['mget', 'a', 'b', 'c'])).toEqual([1, 2, 3]);
    expect(keyIndices(['MSET', 'a', '1', 'b', '2'])).toEqual([1, 3]);
    expect(keyIndices([Buffer.from('del'), 'a'])).toEqual([1]);
    expect(keyIndices(['PING'])).toEqual([]);
  });

  it('routes every key to the owner its placement names, under every strategy', () => {
    for (const s of ['redis-slots', 'ring', 'jump', 'rendezvous']) {
      const t = new RoutingTable(initialMap(s, {}, nodes));
      for (let i = 0; i < 200; i++) expect(t.ownerOf(`k${i}`).id).toBe(t.placement.locate(`k${i}`));
      if (s === 'redis-slots') expect(t.groupOf('{u1}a')).toBe(t.groupOf('{u1}b'));
    }
  });

  it('encodes commands byte for byte as the multibulk the nodes parse', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string({ unit: 'grapheme' }), fc.uint8Array({ maxLength: 40 })), { minLength: 1, maxLength: 8 }), (args) => {
        const asBuffers = args.map((a) => (typeof a === 'string' ? Buffer.from(a) : Buffer.from(a)));
        expect(encodeCommand(args).equals(encodeRequest(asBuffers))).toBe(true);
      }),
      { seed: 14, numRuns: 300 },
    );
  });
});
