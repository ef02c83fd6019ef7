/**
 * A reader of a clone follows the links of every Markdown file in it: each must land on a
 * file of the repository (not on a sibling folder a clone does not have), and each #anchor on a
 * heading that exists. Web links are not followed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..');
/** Every Markdown file of the repository that a reader may open (not node_modules or build output). */
function markdownFiles(dir = ROOT): string[] {
  const skip = new Set([
    'node_modules',
    'dist',
    '.git',
    '.data',
    'test-results',
    'appPackage',
    'cards-preview',
  ]);
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name.startsWith('.') && entry.name !== '.github') return [];
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return skip.has(entry.name) ? [] : markdownFiles(full);
    return entry.name.endsWith('.md') ? [path.relative(ROOT, full)] : [];
  });
}
const DOCS = markdownFiles();

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');

function anchors(file: string): Set<string> {
  const text = fs.readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1] as string)));
}

describe.each(DOCS)('%s', (doc) => {
  const text = fs.readFileSync(path.join(ROOT, doc), 'utf8').replace(/```[\s\S]*?```/g, '');
  const links = [...text.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1] as string)
    .filter((link) => !/^[a-z]+:/i.test(link));

  it('links only to files inside the repository that exist, and to headings that exist', () => {
    const broken: string[] = [];
    for (const link of links) {
      const [target, anchor] = link.split('#') as [string, string | undefined];
      const file = target ? path.resolve(ROOT, path.dirname(doc), target) : path.join(ROOT, doc);
      if (path.relative(ROOT, file).startsWith('..')) broken.push(`${link}: outside the repository`);
      else if (!fs.existsSync(file)) broken.push(`${link}: no such file`);
      else if (anchor && file.endsWith('.md') && !anchors(file).has(anchor))
        broken.push(`${link}: no such heading`);
    }
    expect(broken).toEqual([]);
  });
});
