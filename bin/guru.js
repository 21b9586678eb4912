#!/usr/bin/env node
// Entry point: the compiled CLI (npm run build writes dist/).
import('../dist/src/cli.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/src/cli.js')) {
    console.error('guru: not built yet; run: npm run build');
    process.exit(3);
  }
  throw err;
});
