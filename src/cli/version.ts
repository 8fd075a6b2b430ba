/**
 * `shardkit --version` / `-v`: the package version and what this process
 * runs on (src/runtime-info.ts): Node, whether the optional native addon is
 * in use, and which CRC-32C implementation the log uses. Imported only when
 * asked for, since asking loads the addon.
 */
import type { RuntimeInfo } from '../runtime-info.js';

/** The lines `--version` prints. */
export function formatVersion(info: RuntimeInfo): string {
  const addon = info.nativeAddon ? 'in use' : `not in use${process.env.SHARDKIT_NATIVE === '0' ? ' (SHARDKIT_NATIVE=0)' : ' (not built or not installed)'}`;
  const crc = info.crc32cBackend === 'isa-l' ? 'isa-l (native addon)' : info.crc32cBackend;
  return `shardkit ${info.version}\nnode ${info.node}\nnative addon: ${addon}\ncrc32c: ${crc}\n`;
}

/** Print the version lines on stdout. */
export async function printVersion(): Promise<void> {
  const { runtimeInfo } = await import('../runtime-info.js');
  process.stdout.write(formatVersion(runtimeInfo()));
}
