import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { CorruptionError } from '../errors.js';
import type { NewHint } from './hint.js';
import { DurableHintStore } from './durable-hint-store.js';
import { MemoryLogFile } from './log-file.js';
import { HintLogCorruptionError, decodeLog, encodeRecord, headerRecord } from './hint-log.js';

const hint = (i: number): NewHint => ({ target: `n${i % 3}`, key: `user:${i}`, value: `value ${i} ${'x'.repeat(i % 17)}`, version: { counter: i, coordinator: 'c0' }, createdAtMs: 10 * i, ttlMs: 60_000 });

/** A log of 50 hints (and two removes), with every record's start offset and the hint ids it adds. */
function fiftyHints(): { bytes: Uint8Array; records: { start: number; end: number; addedId: number | null }[]; live: number[] } {
  const file = new MemoryLogFile();
  const s = new DurableHintStore(file);
  const records: { start: number; end: number; addedId: number | null }[] = [{ start: 0, end: file.read().length, addedId: null }];
  const mark = (addedId: number | null): void => {
    const end = file.read().length;
    records.push({ start: records[records.length - 1]!.end, end, addedId });
  };
  for (let i = 1; i <= 50; i++) {
    const h = s.add(hint(i));
    mark(h.id);
    if (i === 10 || i === 30) {
      s.remove([i - 1]);
      mark(null);
    }
  }
  return { bytes: file.read(), records, live: [...s.all()].map((h) => h.id).sort((a, b) => a - b) };
}

function open(bytes: Uint8Array, repair = false): { store?: DurableHintStore; file: MemoryLogFile; error?: unknown } {
  const file = new MemoryLogFile();
  file.append(bytes);
  file.sync();
  try {
    return { store: new DurableHintStore(file, { repair }), file };
  } catch (error) {
    return { file, error };
  }
}

const same = (a: Uint8Array | undefined, b: Uint8Array): boolean => a !== undefined && Buffer.compare(a, b) === 0;
const ids = (s: DurableHintStore): number[] => [...s.all()].map((h) => h.id).sort((a, b) => a - b);

/**
 * Flip one bit inside record `r` and open: the store either reports damage
 * at that record's offset (keeping the file as it was), or opens holding
 * every hint except possibly the flipped record's own, with nothing after it
 * cut off. A repairing open keeps every hint outside the damaged record and
 * a copy of the damaged file.
 */
function checkFlip(base: ReturnType<typeof fiftyHints>, r: number, byte: number, bit: number): void {
  const rec = base.records[r]!;
  const at = rec.start + byte;
  const flipped = base.bytes.slice();
  flipped[at] = (flipped[at] as number) ^ (1 << bit);
  const where = `record ${r} (bytes ${rec.start}..${rec.end}), byte ${byte}, bit ${bit}`;
  const expected = base.live.filter((id) => id !== rec.addedId);
  const plain = open(flipped);
  if (plain.error !== undefined) {
    expect(plain.error, where).toBeInstanceOf(CorruptionError);
    if (r > 0) {
      expect(plain.error, where).toBeInstanceOf(HintLogCorruptionError);
      expect((plain.error as HintLogCorruptionError).offset, where).toBe(rec.start);
    }
    expect(same(plain.file.read(), flipped), `${where}: a failed open writes nothing`).toBe(true);
  } else {
    // Opened without an error: only an unacknowledgeable last record may be missing.
    expect(r, `${where}: opened silently`).toBe(base.records.length - 1);
    const got = ids(plain.store!);
    expect(expected.filter((id) => !got.includes(id)), `${where}: hints lost`).toEqual([]);
  }
  const repaired = open(flipped, true);
  if (r === 0 && repaired.error !== undefined) return; // a damaged header may leave no proof this is a hint log
  expect(repaired.error, where).toBeUndefined();
  const got = ids(repaired.store!);
  expect(expected.filter((id) => !got.includes(id)), `${where}: hints lost by the repair`).toEqual([]);
  if (repaired.store!.lastRepair !== undefined) {
    expect(same(repaired.file.copies.get(repaired.store!.lastRepair.copy), flipped), `${where}: the copy`).toBe(true);
    expect(repaired.store!.lastRepair.damage[0]!.offset, where).toBe(rec.start);
  }
  repaired.store!.checkInvariants();
  expect(ids(new DurableHintStore(repaired.file)), `${where}: the repaired file reopens as repaired`).toEqual(got);
}

describe('hint log: a torn tail is cut, damage is reported', () => {
  it('every single-bit flip in every record length field is reported at its offset, never taken for a torn tail', () => {
    const base = fiftyHints();
    for (let r = 0; r < base.records.length; r++) for (let byte = 0; byte < 4; byte++) for (let bit = 0; bit < 8; bit++) checkFlip(base, r, byte, bit);
  }, 120_000);

  it('every single-bit flip in every checksum field is reported at its offset', () => {
    const base = fiftyHints();
    for (let r = 0; r < base.records.length; r++) for (let byte = 4; byte < 8; byte++) for (let bit = 0; bit < 8; bit++) checkFlip(base, r, byte, bit);
  }, 120_000);

  it('seeded bit flips anywhere in any payload lose no valid hint silently', () => {
    const base = fiftyHints();
    fc.assert(
      fc.property(fc.nat(base.records.length - 1), fc.nat(), fc.nat(7), (r, byteSeed, bit) => {
        const rec = base.records[r]!;
        checkFlip(base, r, 8 + (byteSeed % (rec.end - rec.start - 8)), bit);
      }),
      { seed: 0x4b17, numRuns: 400 },
    );
  }, 120_000);

  it('a length running past the end over a whole record is damage; over a cut record it is a torn tail', () => {
    const { bytes, records } = fiftyHints();
    const last = records[records.length - 1]!;
    const grown = bytes.slice();
    new DataView(grown.buffer).setUint32(last.start, last.end - last.start - 8 + 1000, true);
    expect(() => decodeLog(grown)).toThrow(HintLogCorruptionError);
    for (let cut = last.start + 1; cut < last.end; cut++) {
      const d = decodeLog(bytes.subarray(0, cut));
      expect(d.tornBytes, `cut at ${cut}`).toBe(cut - last.start);
      expect(d.validLength).toBe(last.start);
    }
  });

  it('a repair skips every damaged range, keeps a copy, and reports each offset', () => {
    const base = fiftyHints();
    const bad = base.bytes.slice();
    const a = base.records[5]!;
    const b = base.records[40]!;
    bad.fill(0xee, a.start, a.start + 6);
    bad.fill(0x00, b.start + 2, b.start + 30);
    const d = decodeLog(bad, { resync: true });
    expect(d.damage.map((x) => x.offset)).toEqual([a.start, b.start]);
    expect(d.damage.map((x) => x.bytes)).toEqual([a.end - a.start, b.end - b.start]);
    const { store, file } = open(bad, true);
    expect(ids(store!)).toEqual(base.live.filter((id) => id !== a.addedId && id !== b.addedId));
    expect(file.copies.size).toBe(1);
    expect(file.copies.get(store!.lastRepair!.copy)).toEqual(bad);
    expect(decodeLog(file.read()).damage).toEqual([]);
  });

  it('a foreign file is not cut off as a torn header', () => {
    const junk = new Uint8Array(4096).fill(0x41);
    const { error, file } = open(junk);
    expect(error).toBeInstanceOf(CorruptionError);
    expect(file.read()).toEqual(junk);
    // A torn header alone is still an empty log.
    const header = encodeRecord(headerRecord());
    expect(decodeLog(header.subarray(0, header.length - 3)).tornBytes).toBe(header.length - 3);
  });
});
