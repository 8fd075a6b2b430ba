/**
 * What this install of shardkit runs on, for `shardkit --version` and bug
 * reports: the package version, the Node version, whether the optional native
 * addon is in use, and which CRC-32C backend the storage checksums go through.
 *
 * Cheap to import: it loads only the addon probe (src/native.ts) and the
 * CRC-32C backend choice (src/hash/crc32c-backend.ts), none of the library's
 * layers and not @node-rs/crc32.
 */
import { readFileSync } from 'node:fs';
import { CRC32C_BACKEND, type Crc32cBackend } from './hash/crc32c-backend.js';
import { native } from './native.js';

/** See `runtimeInfo()`. */
export interface RuntimeInfo {
  /** shardkit's version, from its package.json. */
  version: string;
  /** The Node.js version running it (`process.version`, e.g. "v20.20.2"). */
  node: string;
  /** True when the native addon `@shardkit/native` is loaded (installed, built, and not ruled out by SHARDKIT_NATIVE=0). */
  nativeAddon: boolean;
  /** The CRC-32C implementation the log and hint storage use (see src/hash/crc32c-bytes.ts). */
  crc32cBackend: Crc32cBackend;
}

let version: string | undefined;

function packageVersion(): string {
  if (version === undefined) {
    // src/runtime-info.ts and dist/runtime-info.js both sit one level below package.json.
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    version = typeof pkg.version === 'string' ? pkg.version : 'unknown';
  }
  return version;
}

/**
 * The runtime facts above. Reads package.json once (then cached); the addon
 * and backend are fixed when the process loads them, so repeated calls agree.
 */
export function runtimeInfo(): RuntimeInfo {
  return { version: packageVersion(), node: process.version, nativeAddon: native !== null, crc32cBackend: CRC32C_BACKEND };
}
