'use strict';
// The addon's install script: build it with node-gyp. When it cannot build
// (no libisal-dev, compiler, make or python3), say so and succeed: npm then
// keeps the package installed, so `npm rebuild @shardkit/native` builds it
// once the build tools are there (npm test's set-up does), and until then
// shardkit uses JavaScript and @node-rs/crc32 (runtimeInfo() says which).
// A failed optional install would instead be dropped, and npm would warn
// that its script is not covered by allowScripts.
const { spawnSync } = require('node:child_process');

// npm points npm_config_node_gyp at the node-gyp it bundles.
const gyp = process.env.npm_config_node_gyp;
const r = gyp
  ? spawnSync(process.execPath, [gyp, 'rebuild'], { stdio: 'inherit' })
  : spawnSync('node-gyp', ['rebuild'], { stdio: 'inherit', shell: true });
if (r.status !== 0) {
  process.stderr.write('@shardkit/native: not built (it needs libisal-dev, a C compiler, make and python3); shardkit runs on JavaScript and @node-rs/crc32 instead\n');
}
