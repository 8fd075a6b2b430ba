import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runtimeInfo } from './runtime-info.js';
import { CRC32C_BACKEND } from './hash/crc32c-bytes.js';
import { native } from './native.js';

const here = fileURLToPath(new URL('./runtime-info.ts', import.meta.url));
const version = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** runtimeInfo() in a fresh process with `env`, and the CommonJS modules that importing it loaded. */
function inChild(env: NodeJS.ProcessEnv): { info: ReturnType<typeof runtimeInfo>; loaded: string[] } {
  const script = [
    "import { createRequire } from 'node:module';",
    `const { runtimeInfo } = await import(${JSON.stringify(here)});`,
    'const loaded = Object.keys(createRequire(import.meta.url).cache);',
    'console.log(JSON.stringify({ info: runtimeInfo(), loaded }));',
  ].join('\n');
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`child exited with ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout) as { info: ReturnType<typeof runtimeInfo>; loaded: string[] };
}

describe('runtimeInfo', () => {
  it('reports the package version, the Node running it, and the CRC-32C backend the addon implies', () => {
    const info = runtimeInfo();
    expect(info.version).toBe(version);
    expect(info.node).toBe(process.version);
    expect(info.nativeAddon).toBe(native !== null);
    expect(info.crc32cBackend).toBe(CRC32C_BACKEND);
    expect(info.crc32cBackend).toBe(info.nativeAddon ? 'isa-l' : '@node-rs/crc32');
    if (process.env.SHARDKIT_EXPECT_NATIVE === '1') expect(info.nativeAddon).toBe(true);
    expect(runtimeInfo()).toEqual(info);
  });

  it('says so when SHARDKIT_NATIVE=0 rules the addon out', () => {
    const { info } = inChild({ SHARDKIT_NATIVE: '0' });
    expect(info).toMatchObject({ version, nativeAddon: false, crc32cBackend: '@node-rs/crc32' });
  });

  it('is cheap to import: it loads the addon probe, not @node-rs/crc32', () => {
    const { info, loaded } = inChild({});
    expect(loaded.filter((path) => path.includes('@node-rs'))).toEqual([]);
    expect(loaded.some((path) => path.includes('shardkit_native.node') || path.includes('addon/index.cjs'))).toBe(info.nativeAddon);
  });
});
