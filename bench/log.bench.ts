/**
 * Suite `partitioned-log`: produce 1,000,000 messages of 100-byte values in
 * batches of 1,000 with fsync `always`, then consume them all, against the
 * floor of plain `fs` calls on the same bytes in the same run:
 *   - write floor: `fs.writeSync` of exactly the bytes the log wrote (the
 *     encoded batches), one `fdatasync` per 1,000 records;
 *   - read floor: `fs.readSync` of the same segment files in 1 MiB chunks.
 * Consuming is measured three ways: with `pollBatches(1000)` (CRC-checked
 * batches read in place, every record walked with a cursor, its offset and
 * value length read), as a consumer does by default (the next window read
 * ahead and checked on the native addon's thread), then with read-ahead off
 * (everything on one thread), and with `poll(1000)` (one message object per
 * record). The CPU time of the whole process is recorded beside the time.
 * Targets: produce ≥ 50% of the write floor; consume ≥ 50% of the read floor.
 * Rounds alternate ours and the floor (5; 1 in quick mode); each side's best
 * round is reported, medians beside it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Broker } from '../src/log/broker.js';
import { CRC32C_BACKEND, crc32cRange } from '../src/hash/crc32c-bytes.js';
import { native } from '../src/native.js';
import { encodeBatch } from '../src/log/storage/record-batch.js';
import type { Message, RecordInput } from '../src/log/types.js';
import { mulberry32 } from '../src/util/random.js';
import { QUICK, median, size, writeSuite, type BenchResult } from './harness.js';

const SUITE = 'partitioned-log';
const TOTAL = size(1_000_000, 50_000);
const BATCH = 1000;
const VALUE_BYTES = 100;
const ROUNDS = QUICK ? 1 : 5;

const random = mulberry32(42);
// 1,000 distinct 100-byte values, one batch's worth, sent TOTAL / BATCH times.
const messages: Message[] = Array.from({ length: BATCH }, () => {
  const v = new Uint8Array(VALUE_BYTES);
  for (let i = 0; i < VALUE_BYTES; i++) v[i] = Math.floor(random() * 256);
  return { value: v, partition: 0 };
});

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'shardkit-bench-log-'));
}

function seconds(fn: () => void): number {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  fn();
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  lastCpuS = (c.user + c.system) / 1e6;
  return s;
}

/** Produce TOTAL messages; returns [seconds, dataDir] (the broker is closed cleanly). */
function produce(): { s: number; dir: string } {
  const dir = tempDir();
  const broker = Broker.open({ dataDir: dir, topicDefaults: { fsync: 'always' } });
  broker.createTopic('bench', { partitions: 1 });
  const producer = broker.producer();
  const s = seconds(() => {
    for (let b = 0; b < TOTAL / BATCH; b++) producer.sendBatch('bench', messages);
  });
  broker.close();
  return { s, dir };
}

/** CPU time (user + system, every thread of the process) of the last `seconds` call, in seconds. */
let lastCpuS = 0;

/**
 * Consume everything with pollBatches(1000), walking every record with the
 * batch's cursor and reading its offset and value length; returns seconds
 * (and sets `lastCpuS`). `readAhead`: the consumer option of that name.
 */
function consumeBatches(dir: string, readAhead: boolean): number {
  const broker = Broker.open({ dataDir: dir });
  const consumer = broker.consumer({ readAhead });
  consumer.assign([{ topic: 'bench', partition: 0 }]);
  let got = { n: 0, bytes: 0, offsetSum: 0 };
  const s = seconds(() => {
    // Counters are locals of the timed function: a counter captured from the
    // enclosing scope lives in a closure context, where every update of a
    // value past 2^31 (the offset sum) allocates a heap number.
    let n = 0;
    let bytes = 0;
    let offsetSum = 0;
    while (n < TOTAL) {
      const batches = consumer.pollBatches(BATCH);
      if (batches.length === 0) throw new Error(`consumer stopped at ${n}`);
      for (const batch of batches) {
        const c = batch.records();
        while (c.next()) {
          bytes += c.valueLength;
          offsetSum += c.offset;
          n++;
        }
      }
    }
    got = { n, bytes, offsetSum };
  });
  broker.close();
  if (got.n !== TOTAL) throw new Error(`read ${got.n} records, expected ${TOTAL}`);
  if (got.bytes !== TOTAL * VALUE_BYTES) throw new Error(`read ${got.bytes} value bytes, expected ${TOTAL * VALUE_BYTES}`);
  if (got.offsetSum !== (TOTAL * (TOTAL - 1)) / 2) throw new Error(`offsets sum to ${got.offsetSum}, expected ${(TOTAL * (TOTAL - 1)) / 2}`);
  return s;
}

/** Consume everything with poll(1000); returns seconds. */
function consume(dir: string): number {
  const broker = Broker.open({ dataDir: dir });
  const consumer = broker.consumer();
  consumer.assign([{ topic: 'bench', partition: 0 }]);
  let got = { n: 0, bytes: 0 };
  const s = seconds(() => {
    let n = 0;
    let bytes = 0;
    while (n < TOTAL) {
      const msgs = consumer.poll(BATCH);
      if (msgs.length === 0) throw new Error(`consumer stopped at ${n}`);
      n += msgs.length;
      // Touch every message's value, as any real consumer does.
      for (let i = 0; i < msgs.length; i++) bytes += msgs[i]!.value!.length;
    }
    got = { n, bytes };
  });
  broker.close();
  if (got.n !== TOTAL) throw new Error(`read ${got.n} records, expected ${TOTAL}`);
  if (got.bytes !== TOTAL * VALUE_BYTES) throw new Error(`read ${got.bytes} value bytes, expected ${TOTAL * VALUE_BYTES}`);
  return s;
}

/** The same encoded batches, written with writeSync and one fdatasync per batch. */
function writeFloor(batches: readonly Buffer[]): number {
  const dir = tempDir();
  const file = path.join(dir, 'floor.log');
  const fd = fs.openSync(file, 'a');
  const s = seconds(() => {
    for (const b of batches) {
      let done = 0;
      while (done < b.length) done += fs.writeSync(fd, b, done, b.length - done);
      fs.fdatasyncSync(fd);
    }
  });
  fs.closeSync(fd);
  fs.rmSync(dir, { recursive: true, force: true });
  return s;
}

/** The segment files of the benchmark topic's partition 0, in offset order. */
function segmentFiles(dir: string): string[] {
  const segDir = path.join(dir, 'bench-0');
  return fs
    .readdirSync(segDir)
    .filter((f) => f.endsWith('.log'))
    .sort()
    .map((f) => path.join(segDir, f));
}

/**
 * Read `files` in order with `fs.readSync`, 1 MiB at a time into one reused
 * buffer. `onChunk` gets each chunk and returns how many of its bytes it
 * used: reading goes on from there (the CRC bound re-reads a batch cut by the
 * chunk's end). One call per MiB, so it costs nothing next to the reads.
 */
function readFiles(files: readonly string[], onChunk: (buf: Buffer, n: number, pos: number, file: string) => number): number {
  const buf = Buffer.allocUnsafe(1 << 20);
  return seconds(() => {
    for (const f of files) {
      const fd = fs.openSync(f, 'r');
      let pos = 0;
      for (;;) {
        const n = fs.readSync(fd, buf, 0, buf.length, pos);
        if (n === 0) break;
        pos += onChunk(buf, n, pos, f);
      }
      fs.closeSync(fd);
    }
  });
}

/** Plain reads of the log's segment files, 1 MiB at a time. */
function readFloor(dir: string): number {
  let total = 0;
  const s = readFiles(segmentFiles(dir), (_buf, n) => {
    total += n;
    return n;
  });
  if (total === 0) throw new Error('read floor read nothing');
  return s;
}

/**
 * Not a contender, a bound: the read floor plus one CRC-32C (through the
 * backend the log uses, `CRC32C_BACKEND`) over each batch of the same files,
 * and nothing else. No reader that checks every batch's CRC with this backend
 * can be faster, so floor / this is the best ratio such a reader can reach here.
 */
function readCrcBound(dir: string): number {
  let batches = 0;
  const s = readFiles(segmentFiles(dir), (buf, n, pos, f) => {
    // Each whole batch in the chunk, as the log checks it (from byte 17 of the batch to its end).
    let p = 0;
    while (p + 12 <= n) {
      const size = buf.readUInt32LE(p + 8) + 12;
      if (p + size > n) break;
      if (crc32cRange(buf, p + 17, p + size) !== buf.readUInt32LE(p + 13)) throw new Error(`CRC mismatch at byte ${pos + p} of ${f}`);
      batches++;
      p += size;
    }
    if (p === 0) throw new Error('a batch larger than the read chunk');
    return p;
  });
  if (batches !== TOTAL / BATCH) throw new Error(`checked ${batches} batches, expected ${TOTAL / BATCH}`);
  return s;
}

const encoded: Buffer[] = [];
{
  const records: RecordInput[] = messages.map((m) => ({ key: null, value: m.value as Uint8Array, timestampMs: 0, headers: [] }));
  for (let b = 0; b < TOTAL / BATCH; b++) encoded.push(encodeBatch(b * BATCH, records));
}
const batchBytes = encoded[0]!.length;

const produceS: number[] = [];
const writeFloorS: number[] = [];
const consumeS: number[] = [];
const consumeCpuS: number[] = [];
const consumeSyncS: number[] = [];
const pollS: number[] = [];
const readFloorS: number[] = [];
const readFloorCpuS: number[] = [];
const crcBoundS: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  const { s, dir } = produce();
  produceS.push(s);
  writeFloorS.push(writeFloor(encoded));
  // Warm the page cache and the JIT alike for every reader.
  consumeBatches(dir, true);
  consumeBatches(dir, false);
  consume(dir);
  readFloor(dir);
  consumeS.push(consumeBatches(dir, true));
  consumeCpuS.push(lastCpuS);
  readFloorS.push(readFloor(dir));
  readFloorCpuS.push(lastCpuS);
  consumeSyncS.push(consumeBatches(dir, false));
  crcBoundS.push(readCrcBound(dir));
  pollS.push(consume(dir));
  fs.rmSync(dir, { recursive: true, force: true });
}

const perMsg = (s: number) => (s * 1e9) / TOTAL;
const best = (xs: readonly number[]) => Math.min(...xs);
// Each side's best round: the machines are shared, and a round that lost the
// CPU says nothing about the code. The medians are kept beside it.
const row = (name: string, oursRounds: number[], peerName: string, peerRounds: number[], target: string): BenchResult => {
  const ours = best(oursRounds);
  const peer = best(peerRounds);
  const ratio = perMsg(peer) / perMsg(ours);
  return {
    suite: SUITE,
    name,
    nsPerOp: perMsg(ours),
    opsPerSec: TOTAL / ours,
    peer: peerName,
    peerNsPerOp: perMsg(peer),
    ratio,
    ...(target === '' ? {} : { target, met: ratio >= 0.5 }),
    extra: {
      messages: TOTAL,
      valueBytes: VALUE_BYTES,
      batchBytes,
      rounds: oursRounds.length,
      peerMsgsPerSec: Math.round(TOTAL / peer),
      medianNsPerMsg: perMsg(median(oursRounds)),
      peerMedianNsPerMsg: perMsg(median(peerRounds)),
      medianRatio: median(peerRounds) / median(oursRounds),
      crc32cBackend: CRC32C_BACKEND,
    },
  };
};
const consumeRow = row(`consume ${TOTAL} with pollBatches(${BATCH}), read-ahead, CRC-32C checked, every record's offset and value length read (msgs/s)`, consumeS, 'fs.readSync of the same segment files (floor)', readFloorS, 'consume ≥ 50% of the read floor (ratio ≥ 0.5)');
Object.assign(consumeRow.extra as Record<string, number | string | boolean>, {
  // CPU of the whole process (both threads) in the round of each side's best time.
  cpuNsPerMsg: perMsg(consumeCpuS[consumeS.indexOf(best(consumeS))] as number),
  peerCpuNsPerMsg: perMsg(readFloorCpuS[readFloorS.indexOf(best(readFloorS))] as number),
  readAheadAvailable: native !== null,
});
const syncRow = row(`consume ${TOTAL} with pollBatches(${BATCH}), read-ahead off (one thread), CRC-32C checked, every record's offset and value length read (msgs/s)`, consumeSyncS, 'fs.readSync of the same segment files (floor)', readFloorS, '');
Object.assign(syncRow.extra as Record<string, number | string>, {
  readPlusCrcOnlyNsPerMsg: perMsg(best(crcBoundS)),
  bestRatioAnyOneThreadCrcCheckingReader: best(readFloorS) / best(crcBoundS),
});
const rows: BenchResult[] = [
  row(`produce ${TOTAL} × ${VALUE_BYTES} B in batches of ${BATCH}, fsync always (msgs/s)`, produceS, 'fs.writeSync + fdatasync per 1,000 records (floor)', writeFloorS, 'produce ≥ 50% of the write floor (ratio ≥ 0.5)'),
  consumeRow,
  syncRow,
  row(`consume ${TOTAL} with poll(${BATCH}), CRC-32C checked, one message object per record (msgs/s)`, pollS, 'fs.readSync of the same segment files (floor)', readFloorS, ''),
];
writeSuite(SUITE, rows);
