/**
 * `npm run build`: the deployable function app in `dist/` (see artefact.ts).
 *
 *   node --import tsx scripts/build.ts [--out <dir>]
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildArtefact } from './artefact';
import { ArtefactError } from './dependencies';

function main(): number {
  const { values } = parseArgs({ options: { out: { type: 'string', default: 'dist' } } });
  try {
    const built = buildArtefact(values.out as string);
    const names = Object.keys(built.dependencies);
    process.stdout.write(
      `Built ${path.relative(process.cwd(), built.dir) || '.'}/: ${names.length} dependencies ` +
        `(${names.join(', ')}), ${built.lockedPackages} packages locked\n`,
    );
    return 0;
  } catch (error) {
    if (!(error instanceof ArtefactError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 1;
  }
}

process.exitCode = main();
