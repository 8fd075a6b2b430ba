/**
 * The optional native addon `@shardkit/native` (native/addon): CRC-32C
 * through Intel ISA-L, the record scan of the log's batch cursor, and the
 * read-ahead thread of the log's fetch buffers. It is
 * built by `npm ci` when the Debian package `libisal-dev` (and a C compiler)
 * is there; when it cannot build, npm skips it and everything runs on the
 * JavaScript paths (and @node-rs/crc32), with the same results.
 * `SHARDKIT_NATIVE=0` in the environment rules it out (to compare the paths).
 */
import { createRequire } from 'node:module';

/** What the addon exports (see native/addon/src/shardkit_native.c). */
export interface NativeAddon {
  crc32c(bytes: Uint8Array, previous?: number): number;
  crc32cRange(bytes: Uint8Array, start: number, end: number): number;
  scanRecords(bytes: Uint8Array, start: number, end: number, count: number, out: Int32Array, outAt: number): number;
  readAheadSubmit(fd: number, buffer: Uint8Array, position: number, length: number): object;
  readAheadWait(job: object, cancelIfQueued?: boolean): number;
}

function load(): NativeAddon | null {
  if (process.env.SHARDKIT_NATIVE === '0') return null;
  try {
    return createRequire(import.meta.url)('@shardkit/native') as NativeAddon;
  } catch {
    return null;
  }
}

/** The addon, or null when it is not installed or ruled out. */
export const native: NativeAddon | null = load();
