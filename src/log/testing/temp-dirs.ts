/**
 * Temporary directories for a test file: `tempDirs('name')` returns a maker,
 * and every directory it made is removed after each test.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach } from 'vitest';

export function tempDirs(prefix: string): () => string {
  const made: string[] = [];
  afterEach(() => {
    for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), `shardkit-${prefix}-`));
    made.push(d);
    return d;
  };
}
