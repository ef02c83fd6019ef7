/**
 * Which files of a function app folder go into its deployment zip, the way Azure Functions Core
 * Tools' `func pack` (and `func azure functionapp publish`) choose them, so that our zip and
 * theirs hold the same files:
 *
 * - `.git` and `.vscode` folders are never packed, nor files named `.funcignore`, `.gitignore`,
 *   `local.settings.json` or `project.lock.json`, wherever they are;
 * - `.funcignore` lines are patterns over the path from the app's root (`/` separators): `#`
 *   starts a comment, `!` keeps what an earlier pattern dropped, a leading `/` is ignored;
 * - unlike `.gitignore`, a pattern is matched from the start of the path and must end at a word
 *   boundary: `*` stands for one path segment or part of one, `**` for any run of characters
 *   (slashes included), and other characters stand for themselves (`?` too). So `*.map` drops
 *   top-level maps only and `**\/*.map` drops them in folders; `test` drops `test/…` and
 *   `test-data/…` but not `tests/…`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { filesUnder } from './dependencies';

const NEVER_DIRS = new Set(['.git', '.vscode']);
const NEVER_FILES = new Set(['.funcignore', '.gitignore', 'local.settings.json', 'project.lock.json']);

export interface FuncIgnore {
  /** Whether the file at `relativePath` (from the app's root, `/` separators) is packed. */
  packs(relativePath: string): boolean;
}

export function parseFuncIgnore(text: string): FuncIgnore {
  const drop: string[] = [];
  const keep: string[] = [];
  for (const raw of text.split('\n')) {
    let line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const negated = line.startsWith('!');
    if (negated) line = line.slice(1);
    if (line.startsWith('/')) line = line.slice(1);
    (negated ? keep : drop).push(toRegExpSource(line));
  }
  const dropRe = combined(drop);
  const keepRe = combined(keep);
  return {
    packs: (relativePath) => keepRe.test(relativePath) || !dropRe.test(relativePath),
  };
}

function toRegExpSource(pattern: string): string {
  return pattern
    .replace(/[-[\]/{}()+?.\\^$|]/g, '\\$&')
    .replace(/\*\*/g, '(.+)')
    .replace(/\*/g, '([^\\/]+)');
}

function combined(sources: string[]): RegExp {
  // Matches nothing when there are no patterns.
  return sources.length === 0 ? /$^/ : new RegExp(`^((${sources.join(')|(')}))\\b`);
}

/** The files of the app folder `root` that go into its zip, relative, sorted. */
export function packedFiles(root: string): string[] {
  const ignoreFile = path.join(root, '.funcignore');
  const ignore = parseFuncIgnore(fs.existsSync(ignoreFile) ? fs.readFileSync(ignoreFile, 'utf8') : '');
  return filesUnder(root).filter((file) => {
    const parts = file.split('/');
    if (parts.slice(0, -1).some((dir) => NEVER_DIRS.has(dir.toLowerCase()))) return false;
    if (NEVER_FILES.has((parts.at(-1) as string).toLowerCase())) return false;
    return ignore.packs(file);
  });
}
