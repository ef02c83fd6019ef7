#!/usr/bin/env node
// Runs before `npm test`: the browser tests need Debian's Chromium. On a fresh machine where we
// are root, install it (as .ci/run does); otherwise say exactly what to run.
const fs = require('node:fs');
const { execSync } = require('node:child_process');

const path = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
if (fs.existsSync(path)) process.exit(0);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasApt = fs.existsSync('/usr/bin/apt-get');
if (!isRoot || !hasApt) {
  console.error(`Chromium is needed for the browser tests and is not at ${path}.`);
  console.error(
    'Install it with: sudo apt-get update && sudo apt-get install -y chromium (or set CHROMIUM_PATH).',
  );
  process.exit(1);
}
console.error('Installing Chromium for the browser tests (apt-get install chromium)...');
execSync('apt-get update -qq && apt-get install -y -qq chromium > /dev/null', {
  stdio: 'inherit',
  env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
});
