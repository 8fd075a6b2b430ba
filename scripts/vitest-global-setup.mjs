/**
 * vitest globalSetup: the tests that run `bin/shardkit.js` run the compiled
 * CLI in dist/. Build it when it is missing; when sources changed since the
 * last build, say so (one line) rather than spend a build on every run of a
 * single test file: `npm test` builds it first, `npm run build` does by hand.
 */
import { build, distState } from './build.mjs';

export default function setup() {
  const state = distState();
  if (state === 'missing') {
    process.stdout.write('building dist/ (not built yet; tests that run bin/shardkit.js need it)\n');
    build();
  } else if (state === 'stale') {
    process.stdout.write('note: dist/ is older than src/; tests that run bin/shardkit.js use the old build (npm run build)\n');
  }
}
