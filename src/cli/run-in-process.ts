/**
 * Test support: run `shardkit <args>` in this process, capturing what it
 * writes and the exit code `main.ts` would give. Shared by every CLI test.
 */
import { vi } from 'vitest';
import { buildProgram, reportError } from './main.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run `shardkit <args>` in-process; returns the exit code and what it wrote. */
export async function runCli(...args: string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  let code = 0;
  try {
    await buildProgram().parseAsync(['node', 'shardkit', ...args]);
  } catch (e) {
    code = reportError(e);
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  return { code, stdout, stderr };
}
