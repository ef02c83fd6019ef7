#!/usr/bin/env node
// Entry of `npx signoff-host`: registers TypeScript support (so the host and apps under
// development run from source), then hands over to the CLI.
require('tsx/cjs');
require('../cli.ts')
  .main(process.argv.slice(2))
  .catch((error) => {
    console.error(`signoff-host: ${error?.message ? error.message : error}`);
    process.exit(1);
  });
