#!/usr/bin/env node
// Entry point for the `shardkit` command: runs the compiled CLI in dist/
// (`npm run build` makes it; `npm ci` in a clone builds it through `prepare`).
import { existsSync } from 'node:fs';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('shardkit: dist/cli/main.js is missing: run `npm run build` in the shardkit directory\n');
  process.exit(1);
}
await import(main.href);
