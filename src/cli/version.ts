/**
 * `shardkit --version` / `-v`: the package version and what this process
 * runs on: Node, whether the optional native addon is in use, and which
 * CRC-32C implementation the log uses. Loaded only when asked for (it loads
 * the addon). Shape shared with the package's runtime info:
 * `{ version, node, nativeAddon, crc32cBackend }`.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** What `--version` reports. */
export interface RuntimeInfo {
  readonly version: string;
  readonly node: string;
  /** True when @shardkit/native loaded (and SHARDKIT_NATIVE=0 did not rule it out). */
  readonly nativeAddon: boolean;
  /** The CRC-32C the log's batches are checked with. */
  readonly crc32cBackend: string;
}

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Whether the addon loads, by the rule of src/native.ts (SHARDKIT_NATIVE=0 rules it out). */
function addonLoads(): boolean {
  if (process.env.SHARDKIT_NATIVE === '0') return false;
  try {
    createRequire(import.meta.url)('@shardkit/native');
    return true;
  } catch {
    return false;
  }
}

/** The runtime info of this process. Loads the addon if it is not loaded yet; O(1) after that. */
export function runtimeInfo(): RuntimeInfo {
  const nativeAddon = addonLoads();
  return {
    version: packageVersion(),
    node: process.version,
    nativeAddon,
    crc32cBackend: nativeAddon ? 'isa-l (native addon)' : '@node-rs/crc32',
  };
}

/** The lines `--version` prints. */
export function formatVersion(info: RuntimeInfo): string {
  const addon = info.nativeAddon ? 'in use' : `not in use${process.env.SHARDKIT_NATIVE === '0' ? ' (SHARDKIT_NATIVE=0)' : ' (not built or not installed)'}`;
  return `shardkit ${info.version}\nnode ${info.node}\nnative addon: ${addon}\ncrc32c: ${info.crc32cBackend}\n`;
}
