import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CorruptionError, StateError } from '../../../errors.js';
import { ManualClock } from '../../../util/clock.js';
import { metaStoreSuite } from '../metastore.suite.js';
import { spawnSync } from 'node:child_process';
import { META_LOG_FILE, META_SNAPSHOT_FILE, openDurableMetaStore } from './store.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : new TextDecoder().decode(b));
const dirs: string[] = [];
const freshDir = (): string => {
  const d = fs.mkdtempSync(join(tmpdir(), 'shardkit-meta-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

metaStoreSuite('durable (in process)', {
  async create() {
    const dir = freshDir();
    const clock = new ManualClock(1_000_000);
    const opened = openDurableMetaStore(dir, { clock, tickIntervalMs: 0, snapshotLogBytes: 2048 });
    const { store } = opened;
    return {
      store,
      other: store,
      compact: async (revision) => store.compact(revision),
      advance: async (ms) => {
        clock.advance(ms);
        store.tick();
      },
      close: () => opened.close(),
    };
  },
});

describe('durable metadata store', () => {
  it('everything written is there after reopening, across several snapshots; lease keys too', async () => {
    const dir = freshDir();
    const clock = new ManualClock(0);
    let opened = openDurableMetaStore(dir, { clock, tickIntervalMs: 0, snapshotLogBytes: 1024 });
    const lease = await opened.store.grantLease(10_000);
    await opened.store.put('members/n1', bytes('n1'), { lease: lease.id });
    for (let i = 0; i < 200; i++) await opened.store.put(`k${i % 17}`, bytes(`v${i}`));
    await opened.store.delete('k3');
    const before = await opened.store.list('');
    await opened.close();
    expect(fs.existsSync(join(dir, META_SNAPSHOT_FILE))).toBe(true);
    opened = openDurableMetaStore(dir, { clock, tickIntervalMs: 0 });
    const after = await opened.store.list('');
    expect(after).toEqual(before);
    expect(opened.recovery.revision).toBe(before.revision);
    // The lease came back with a full TTL from the restart, and still ends.
    clock.advance(9_000);
    expect(opened.store.tick()).toEqual([]);
    clock.advance(2_000);
    expect(opened.store.tick()).toEqual([lease.id]);
    expect(await opened.store.get('members/n1')).toBeUndefined();
    await opened.close();
  });

  it('a torn last record is cut off, and every whole record before it is kept', async () => {
    const dir = freshDir();
    let opened = openDurableMetaStore(dir, { tickIntervalMs: 0 });
    for (let i = 0; i < 5; i++) await opened.store.put(`k${i}`, bytes(`v${i}`));
    await opened.close();
    const file = join(dir, META_LOG_FILE);
    const whole = fs.statSync(file).size;
    fs.truncateSync(file, whole - 7); // the last record, cut short by a crash
    opened = openDurableMetaStore(dir, { tickIntervalMs: 0 });
    expect(opened.recovery.tornBytesCut).toBeGreaterThan(0);
    expect((await opened.store.list('')).kvs.map((kv) => kv.key)).toEqual(['k0', 'k1', 'k2', 'k3']);
    // Writing goes on after the cut, and survives the next reopen.
    await opened.store.put('k9', bytes('after'));
    await opened.close();
    opened = openDurableMetaStore(dir, { tickIntervalMs: 0 });
    expect(text((await opened.store.get('k9'))?.value)).toBe('after');
    expect(opened.recovery.tornBytesCut).toBe(0);
    await opened.close();
  });

  it('damage in the middle of the log is reported and the file is not shortened', async () => {
    const dir = freshDir();
    const opened = openDurableMetaStore(dir, { tickIntervalMs: 0 });
    for (let i = 0; i < 5; i++) await opened.store.put(`k${i}`, bytes(`value-${i}`));
    await opened.close();
    const file = join(dir, META_LOG_FILE);
    const content = fs.readFileSync(file);
    for (const at of [20, 4]) {
      // A flipped byte in a payload (CRC), then in the length of the first record (header check).
      const damaged = Buffer.from(content);
      damaged[at] = (damaged[at] as number) ^ 0x40;
      fs.writeFileSync(file, damaged);
      expect(() => openDurableMetaStore(dir, { tickIntervalMs: 0 })).toThrow(CorruptionError);
      expect(fs.statSync(file).size).toBe(content.length);
      expect(fs.readdirSync(dir).filter((n) => n.startsWith('shardkit-log.lock-owner.')), 'the lock is released after a failed open').toEqual([]);
    }
  });

  it('a crash between writing the snapshot and restarting the log replays nothing twice', async () => {
    const dir = freshDir();
    let opened = openDurableMetaStore(dir, { tickIntervalMs: 0 });
    for (let i = 0; i < 10; i++) await opened.store.put('counter', bytes(String(i)));
    await opened.close();
    const oldLog = fs.readFileSync(join(dir, META_LOG_FILE));
    opened = openDurableMetaStore(dir, { tickIntervalMs: 0, snapshotLogBytes: 1 });
    await opened.store.put('after', bytes('x')); // triggers the snapshot, then an empty log
    const before = await opened.store.list('');
    await opened.close();
    expect(fs.statSync(join(dir, META_LOG_FILE)).size).toBe(0);
    fs.writeFileSync(join(dir, META_LOG_FILE), oldLog); // as if the crash came before the log restart
    opened = openDurableMetaStore(dir, { tickIntervalMs: 0 });
    expect(opened.recovery.recordsReplayed).toBe(0);
    expect(await opened.store.list('')).toEqual(before);
    await opened.close();
  });

  it('a damaged snapshot is reported, not skipped', async () => {
    const dir = freshDir();
    const opened = openDurableMetaStore(dir, { tickIntervalMs: 0, snapshotLogBytes: 256 });
    for (let i = 0; i < 20; i++) await opened.store.put(`k${i}`, bytes(`v${i}`));
    await opened.close();
    const snap = join(dir, META_SNAPSHOT_FILE);
    const b = fs.readFileSync(snap);
    b[b.length - 3] = (b[b.length - 3] as number) ^ 1;
    fs.writeFileSync(snap, b);
    expect(() => openDurableMetaStore(dir, { tickIntervalMs: 0 })).toThrow(CorruptionError);
  });

  it('one owner per directory: a second open fails while the first holds it; a dead owner’s lock is taken over', async () => {
    const dir = freshDir();
    const first = openDurableMetaStore(dir, { tickIntervalMs: 0 });
    const second = (() => {
      try {
        return openDurableMetaStore(dir, { tickIntervalMs: 0 });
      } catch (e) {
        return e;
      }
    })();
    expect(second).toBeInstanceOf(StateError);
    expect(second).toMatchObject({ code: 'DIRECTORY_LOCKED', retriable: true });
    await first.close();
    // A lock left by a process that no longer exists: taken over by the next open.
    const dead = spawnSync(process.execPath, ['-e', '']).pid as number;
    const ownerFile = join(dir, `shardkit-log.lock-owner.${dead}.1.0`);
    fs.readdirSync(dir).filter((n) => n.startsWith('shardkit-log.lock.')).forEach((n) => fs.rmSync(join(dir, n)));
    fs.writeFileSync(ownerFile, '');
    fs.linkSync(ownerFile, join(dir, `shardkit-log.lock.${'7'.padStart(15, '0')}`));
    const third = openDurableMetaStore(dir, { tickIntervalMs: 0 });
    expect(fs.existsSync(ownerFile), 'the dead owner is cleaned up').toBe(false);
    await third.close();
  });
});
