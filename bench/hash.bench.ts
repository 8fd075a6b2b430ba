/**
 * hash: ns per key for every shardkit hash function over the same 1,000,000
 * distinct keys `user:<n>` (after a warm-up on other keys), and each one
 * against the peer a user would otherwise call, in the same process:
 *
 * - Kafka: KafkaJS's DefaultPartitioner (the Java-compatible murmur2) and its
 *   murmur2 module vs `kafkaPartition` / `kafkaMurmur2`;
 * - MD5: node:crypto `createHash('md5').update(key).digest()` (what npm
 *   hashring calls per key) vs our allocation-free `md5Words`;
 * - CRC32 / CRC32C: @node-rs/crc32 (SIMD, native) vs ours, on the keys and on
 *   byte buffers of 12 B, 64 B, 96 B, 128 B and 4 KiB through the JavaScript
 *   table alone: the crossover that sets CRC32_NATIVE_MIN_BYTES;
 * - xxHash: @node-rs/xxhash (the C library) vs ours;
 * - Cassandra: the Node.js cassandra-driver's Murmur3Tokenizer (given the
 *   key's bytes, as the driver hashes a serialized partition key) vs ours.
 *
 * Run: node --expose-gc --import tsx bench/hash.bench.ts (BENCH_QUICK=1 for small inputs).
 */
import { createHash } from 'node:crypto';
import { getHeapSpaceStatistics } from 'node:v8';
import { createRequire } from 'node:module';
import { crc32 as nativeCrc32, crc32c as nativeCrc32c } from '@node-rs/crc32';
import { xxh32 as nativeXxh32, xxh64 as nativeXxh64 } from '@node-rs/xxhash';
import { compare, measure, single, size, writeSuite, type BenchResult } from './harness.js';
import { murmur3x86_32 } from '../src/hash/murmur3-x86-32.js';
import { murmur3x64_128Into } from '../src/hash/murmur3-x64-128.js';
import { cassandraTokenParts, cassandraToken, type TokenParts } from '../src/hash/cassandra.js';
import { kafkaMurmur2, kafkaPartition } from '../src/hash/kafka.js';
import { crc16 } from '../src/hash/crc16.js';
import { redisKeySlot } from '../src/hash/redis-slot.js';
import { crc32, crc32c, crc32Table, crc32cTable, CRC32_NATIVE_MIN_BYTES } from '../src/hash/crc32.js';
import { fnv1a32, fnv1a64Into } from '../src/hash/fnv.js';
import { xxh32, xxh64, xxh64Into } from '../src/hash/xxhash.js';
import { md5Words } from '../src/hash/md5.js';

const require = createRequire(import.meta.url);
type KafkaPartitioner = (args: { topic: string; partitionMetadata: { partitionId: number; leader: number }[]; message: { key: string } }) => number;
const { Partitioners } = require('kafkajs') as { Partitioners: { DefaultPartitioner: () => KafkaPartitioner } };
const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2') as (key: string | Buffer) => number;
const { Murmur3Tokenizer } = require('cassandra-driver/lib/tokenizer') as { Murmur3Tokenizer: new () => { hash(b: Buffer): unknown } };

const SUITE = 'hash';
const N = size(1_000_000, 50_000);
const keys = Array.from({ length: N }, (_, n) => `user:${n}`);
const warmKeys = Array.from({ length: size(100_000, 10_000) }, (_, n) => `warm:${n}`);
const nonAscii = Array.from({ length: N }, (_, n) => `usér:${n}`);
const opts = { iterations: size(5, 2), rounds: size(3, 1) };

/**
 * A loop over a key list, xor-ing the results so the JIT must keep every call.
 * Each case has its own loop (a separate function literal), so its call site
 * sees one function and V8 can inline it, as it would in a caller's hot path;
 * a shared loop taking the hash as a parameter would be megamorphic and box
 * every 32-bit result.
 */
type Loop = (list: readonly string[]) => number;

const out4 = new Uint32Array(4);
const out2 = new Uint32Array(2);
const parts: TokenParts = { hi: 0, lo: 0 };
const partitionMetadata = Array.from({ length: 16 }, (_, partitionId) => ({ partitionId, leader: 0 }));
const kafkajs = Partitioners.DefaultPartitioner();
const tokenizer = new Murmur3Tokenizer();

const loops = {
  murmur3x86: ((l) => { let s = 0; for (let i = 0; i < l.length; i++) s ^= murmur3x86_32(l[i] as string); return s; }) as Loop,
  murmur3x64: ((l) => { let s = 0; for (let i = 0; i < l.length; i++) s ^= murmur3x64_128Into(l[i] as string, out4)[1] as number; return s; }) as Loop,
  cassandraParts: ((l) => { let s = 0; for (let i = 0; i < l.length; i++) s ^= cassandraTokenParts(l[i] as string, parts).lo; return s; }) as Loop,
  cassandraBigint: ((l) => { let s = 0; for (let i = 0; i < l.length; i++) s ^= Number(cassandraToken(l[i] as string) & 0xffn); return s; }) as Loop,
  driverToken: ((l) => { let s = 0; for (let i = 0; i < l.length; i++) s ^= tokenizer.hash(Buffer.from(l[i] as string)) === null ? 0 : 1; return s; }) as Loop,
  redisSlot: ((l) => { let s = 0; for (let i = 0; i < l.length; i++) s ^= redisKeySlot(l[i] as string); return s; }) as Loop,
  crc16: ((l) => { let s = 0; for (let i = 0; i < l.length; i++) s ^= crc16(l[i] as string); return s; }) as Loop,
  fnv32: ((l) => { let s = 0; for (let i = 0; i < l.length; i++) s ^= fnv1a32(l[i] as string); return s; }) as Loop,
  fnv64: ((l) => { let s = 0; for (let i = 0; i < l.length; i++) s ^= fnv1a64Into(l[i] as string, out2)[1] as number; return s; }) as Loop,
  xxh64Into: ((l) => { let s = 0; for (let i = 0; i < l.length; i++) s ^= xxh64Into(l[i] as string, out2)[1] as number; return s; }) as Loop,
  xxh64Bigint: ((l) => { let s = 0; for (let i = 0; i < l.length; i++) s ^= Number(xxh64(l[i] as string) & 0xffn); return s; }) as Loop,
  nativeXxh64: ((l) => { let s = 0; for (let i = 0; i < l.length; i++) s ^= Number(nativeXxh64(l[i] as string) & 0xffn); return s; }) as Loop,
  xxh32: ((l) => { let s = 0; for (let i = 0; i < l.length; i++) s ^= xxh32(l[i] as string); return s; }) as Loop,
  nativeXxh32: ((l) => { let s = 0; for (let i = 0; i < l.length; i++) s ^= nativeXxh32(l[i] as string); return s; }) as Loop,
  kafkaPartition: ((l) => { let s = 0; for (let i = 0; i < l.length; i++) s ^= kafkaPartition(l[i] as string, 16); return s; }) as Loop,
  kafkajsPartition: ((l) => { let s = 0; for (let i = 0; i < l.length; i++) s ^= kafkajs({ topic: 't', partitionMetadata, message: { key: l[i] as string } }); return s; }) as Loop,
  kafkaMurmur2: ((l) => { let s = 0; for (let i = 0; i < l.length; i++) s ^= kafkaMurmur2(l[i] as string); return s; }) as Loop,
  kafkajsMurmur2: ((l) => { let s = 0; for (let i = 0; i < l.length; i++) s ^= kafkajsMurmur2(l[i] as string); return s; }) as Loop,
  md5: ((l) => { let s = 0; for (let i = 0; i < l.length; i++) s ^= md5Words(l[i] as string)[0] as number; return s; }) as Loop,
  cryptoMd5: ((l) => { let s = 0; for (let i = 0; i < l.length; i++) s ^= createHash('md5').update(l[i] as string).digest()[0] as number; return s; }) as Loop,
  crc32: ((l) => { let s = 0; for (let i = 0; i < l.length; i++) s ^= crc32(l[i] as string); return s; }) as Loop,
  nativeCrc32: ((l) => { let s = 0; for (let i = 0; i < l.length; i++) s ^= nativeCrc32(l[i] as string); return s; }) as Loop,
  crc32c: ((l) => { let s = 0; for (let i = 0; i < l.length; i++) s ^= crc32c(l[i] as string); return s; }) as Loop,
  nativeCrc32c: ((l) => { let s = 0; for (let i = 0; i < l.length; i++) s ^= nativeCrc32c(l[i] as string); return s; }) as Loop,
};

// Warm-up: every loop on other keys, so the measured runs see optimised code.
for (const loop of Object.values(loops)) loop(warmKeys);

/**
 * Heap bytes allocated per call, from the growth of V8's new space over
 * 10,000 calls right after a full GC (best of 3; needs --expose-gc). 0 means
 * the call allocates nothing; the measurement itself costs < 0.1 byte/call.
 */
function bytesPerOp(loop: Loop, list: readonly string[]): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) return Number.NaN;
  const newSpace = (): number => getHeapSpaceStatistics().find((sp) => sp.space_name === 'new_space')?.space_used_size ?? Number.NaN;
  const sample = list.slice(0, 10_000);
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 3; round++) {
    gc();
    const before = newSpace();
    allocSink ^= loop(sample);
    best = Math.min(best, (newSpace() - before) / sample.length);
  }
  return Math.round(best * 10) / 10;
}
export let allocSink = 0;

const rows: BenchResult[] = [];
const one = (name: string, loop: Loop, list: readonly string[] = keys): void => {
  rows.push(single(SUITE, name, measure(name, () => loop(list), list.length, opts), { bytesPerOp: bytesPerOp(loop, list) }));
};
const vs = (name: string, ours: Loop, peerName: string, peer: Loop): void => {
  const row = compare(SUITE, name, () => ours(keys), peerName, () => peer(keys), N, opts);
  row.extra = { ...row.extra, bytesPerOp: bytesPerOp(ours, keys) };
  rows.push(row);
};

// Every algorithm alone, on the same keys (ASCII, 6–11 bytes).
one('murmur3-x86-32', loops.murmur3x86);
one('murmur3-x86-32, non-ASCII keys (usér:<n>)', loops.murmur3x86, nonAscii);
one('murmur3-x64-128 (into Uint32Array)', loops.murmur3x64);
one('cassandra-token (halves, no bigint)', loops.cassandraParts);
one('redis-slot (crc16 & 16383, hash tags)', loops.redisSlot);
one('crc16/xmodem', loops.crc16);
one('fnv1a-32', loops.fnv32);
one('fnv1a-64 (into Uint32Array)', loops.fnv64);
one('xxh64 (into Uint32Array)', loops.xxh64Into);

// Against peers, same keys, same process.
vs('kafka partition of a keyed record, 16 partitions', loops.kafkaPartition, 'kafkajs DefaultPartitioner', loops.kafkajsPartition);
vs('kafka-murmur2', loops.kafkaMurmur2, 'kafkajs murmur2', loops.kafkajsMurmur2);
vs('md5 (16-byte digest)', loops.md5, 'node:crypto createHash', loops.cryptoMd5);
vs('crc32 of the keys', loops.crc32, '@node-rs/crc32', loops.nativeCrc32);
vs('crc32c of the keys', loops.crc32c, '@node-rs/crc32 crc32c', loops.nativeCrc32c);
vs('xxh32', loops.xxh32, '@node-rs/xxhash', loops.nativeXxh32);
vs('xxh64 (bigint result)', loops.xxh64Bigint, '@node-rs/xxhash', loops.nativeXxh64);
vs('cassandra-token (bigint result)', loops.cassandraBigint, 'cassandra-driver Murmur3Tokenizer (Buffer.from(key))', loops.driverToken);

// CRC32 and CRC32C by size: the JavaScript table vs the native SIMD code on byte buffers.
for (const bytes of [...new Set([12, 32, 64, 96, CRC32_NATIVE_MIN_BYTES, 128, 4096])].sort((a, b) => a - b)) {
  const count = Math.max(100, Math.floor(size(4_000_000, 200_000) / bytes));
  const buffers = Array.from({ length: count }, (_, i) => {
    const b = new Uint8Array(bytes);
    for (let j = 0; j < bytes; j++) b[j] = (i * 31 + j * 7) & 0xff;
    return b;
  });
  const loop = (fn: (b: Uint8Array) => number) => () => {
    let s = 0;
    for (let i = 0; i < buffers.length; i++) s ^= fn(buffers[i] as Uint8Array);
    return s;
  };
  const iterations = { ...opts, iterations: size(15, 3) };
  rows.push(compare(SUITE, `crc32, ${bytes} B buffers, JavaScript table only`, loop((b) => crc32Table(b)), '@node-rs/crc32', loop((b) => nativeCrc32(b)), count, iterations));
  rows.push(compare(SUITE, `crc32c, ${bytes} B buffers, JavaScript table only`, loop((b) => crc32cTable(b)), '@node-rs/crc32 crc32c', loop((b) => nativeCrc32c(b)), count, iterations));
}

writeSuite(SUITE, rows);
