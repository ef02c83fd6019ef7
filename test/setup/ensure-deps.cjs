#!/usr/bin/env node
// Runs before `npm start` and `npm test`, so that a fresh clone needs nothing else: when
// node_modules is missing, or does not hold what package-lock.json pins, it runs `npm ci` (with
// its progress) and says why. Plain Node, no dependencies: it runs before any are installed.
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const readJson = (file) => {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
};

/** Why `root`'s node_modules needs installing, or undefined when it holds what the lockfile pins. */
function staleness(root) {
  const lock = readJson(path.join(root, 'package-lock.json'));
  if (!lock || !lock.packages) return undefined; // nothing to compare with: leave it to npm
  // npm keeps what it installed in node_modules/.package-lock.json.
  const installed = readJson(path.join(root, 'node_modules', '.package-lock.json'));
  if (!installed || !installed.packages) return 'node_modules is missing';
  const differ = [];
  for (const [key, entry] of Object.entries(lock.packages)) {
    // The project itself, links, and optional packages (other platforms' binaries) aside.
    if (key === '' || entry.link || entry.optional) continue;
    const have = installed.packages[key];
    if (!have || have.version !== entry.version) differ.push(key.replace(/^.*node_modules\//, ''));
  }
  if (differ.length === 0) return undefined;
  const some = differ.slice(0, 3).join(', ');
  return `node_modules does not match package-lock.json (${differ.length} package${differ.length === 1 ? '' : 's'}: ${some}${differ.length > 3 ? ', ...' : ''})`;
}

function main() {
  const root = path.resolve(__dirname, '..', '..');
  const why = staleness(root);
  if (why) {
    console.error(`${why}: installing dependencies with npm ci (about two minutes the first time)...`);
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const result = spawnSync(npm, ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
    if (result.status !== 0) {
      console.error('npm ci failed: see its output above.');
      process.exit(result.status ?? 1);
    }
  }
}

module.exports = { staleness };
if (require.main === module) main();
