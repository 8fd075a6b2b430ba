import { defineConfig } from 'vitest/config';

// The package imports itself by name ('shardkit/hash', ...) only in tests; the
// `shardkit-source` export condition sends those imports to src/ (as
// tsconfig.json's customConditions does for the typechecker), so they run the
// sources, never a stale dist/. The others are Vite's default server conditions.
const conditions = ['shardkit-source', 'module', 'node', 'development|production'];

export default defineConfig({
  ssr: { resolve: { conditions } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'bench/**/*.test.ts'],
    // Tests that run bin/shardkit.js run the compiled CLI: build dist/ when it is missing, say so when it is stale.
    globalSetup: ['scripts/vitest-global-setup.mjs'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
