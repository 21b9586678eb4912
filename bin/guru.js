#!/usr/bin/env node
// Entry point: the CLI as `npm run build` bundles it (dist/guru.mjs, one
// file: see scripts/bundle.mjs for why).
import('../dist/guru.mjs').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/guru.mjs')) {
    console.error('guru: not built yet; run: npm run build');
    process.exit(3);
  }
  throw err;
});
