/**
 * Which implementation computes CRC-32C for storage in this process (see
 * crc32c-bytes.ts for the backends): ISA-L when the native addon is loaded,
 * @node-rs/crc32 otherwise. Its own module so that asking (`shardkit
 * --version`, src/runtime-info.ts) loads only the addon probe, not
 * @node-rs/crc32.
 */
import { native } from '../native.js';

/** Which implementation computes CRC-32C for storage in this process. */
export type Crc32cBackend = 'isa-l' | '@node-rs/crc32';

/** The backend in use: fixed when the process loads (or rules out) the addon. */
export const CRC32C_BACKEND: Crc32cBackend = native === null ? '@node-rs/crc32' : 'isa-l';
