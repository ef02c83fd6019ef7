/**
 * `npm run package:azure`: builds the function app (artefact.ts) and zips it as `func pack`
 * would (funcignore.ts), for a zip deployment or a CI artefact. Dependencies are not in the zip:
 * they are installed where it runs, from its package-lock.json (the remote build on Flex
 * Consumption, or `npm ci --omit=dev`).
 *
 *   node --import tsx scripts/package-azure.ts [--out <dir>] [--zip <file>]
 *
 * Defaults: the folder dist/, the zip appPackage/signoff-functions-<version>.zip.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import JSZip from 'jszip';
import { buildArtefact, ROOT } from './artefact';
import { ArtefactError } from './dependencies';
import { packedFiles } from './funcignore';

/** One date for every entry, so that the same build gives the same bytes. */
const ENTRY_DATE = new Date('2000-01-01T00:00:00Z');

export async function zipFolder(dir: string, zipFile: string): Promise<string[]> {
  const files = packedFiles(dir);
  const zip = new JSZip();
  for (const file of files) {
    zip.file(file, fs.readFileSync(path.join(dir, file)), {
      date: ENTRY_DATE,
      unixPermissions: 0o644,
      createFolders: false,
    });
  }
  const bytes = await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', platform: 'UNIX' });
  fs.mkdirSync(path.dirname(path.resolve(zipFile)), { recursive: true });
  fs.writeFileSync(zipFile, bytes);
  return files;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { out: { type: 'string', default: 'dist' }, zip: { type: 'string' } },
  });
  try {
    const built = buildArtefact(values.out as string);
    const { version } = JSON.parse(fs.readFileSync(path.join(built.dir, 'package.json'), 'utf8')) as {
      version: string;
    };
    const zipFile = path.resolve(
      values.zip ?? path.join(ROOT, 'appPackage', `signoff-functions-${version}.zip`),
    );
    const files = await zipFolder(built.dir, zipFile);
    const kb = Math.round(fs.statSync(zipFile).size / 1024);
    process.stdout.write(
      `Packed ${path.relative(process.cwd(), zipFile)}: ${files.length} files, ${kb} KiB, ` +
        `${Object.keys(built.dependencies).length} dependencies to install from its package-lock.json\n`,
    );
    return 0;
  } catch (error) {
    if (!(error instanceof ArtefactError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 1;
  }
}

if (require.main === module) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
