/**
 * The app's production dependencies run on the Node.js it is deployed with (infra/main.bicep's
 * nodeVersion, 20) and tested with (this process). Azure SDK packages moved to Node 22 in their
 * 2026 releases (@azure/storage-blob 12.33, @azure/identity 4.14, @azure/storage-common 12.5);
 * npm only warns about such a package, and it may fail at run time in Azure on an API Node 20
 * lacks, so package.json pins the last releases for Node 20 and this test keeps it that way.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';

type Version = [number, number, number];

function parse(text: string): Version | undefined {
  const m = /^v?(\d+|[x*])(?:\.(\d+|[x*]))?(?:\.(\d+|[x*]))?$/.exec(text.trim());
  if (!m) return undefined;
  const part = (s: string | undefined) => (s === undefined || s === 'x' || s === '*' ? 0 : Number(s));
  return [part(m[1]), part(m[2]), part(m[3])];
}

function compare(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  return 0;
}

/** Whether `version` satisfies an `engines.node` range (||, space-joined comparators, ^, ~, x). */
function satisfies(version: Version, range: string): boolean {
  return range.split('||').some((alternative) => {
    const text = alternative.trim().replace(/(>=|<=|>|<|=|\^|~)\s+/g, '$1');
    if (text === '' || text === '*') return true;
    return text.split(/\s+/).every((comparator) => {
      const m = /^(>=|<=|>|<|=|\^|~)?(.+)$/.exec(comparator) as RegExpExecArray;
      const op = m[1] ?? '=';
      const v = parse(m[2] as string);
      if (!v) throw new Error(`cannot read the engines range "${range}"`);
      const c = compare(version, v);
      const wildcard = /[x*]/.test(m[2] as string) || (m[2] as string).split('.').length < 3;
      switch (op) {
        case '>=':
          return c >= 0;
        case '>':
          return c > 0;
        case '<=':
          return c <= 0;
        case '<':
          return c < 0;
        case '^':
          return c >= 0 && version[0] === v[0];
        case '~':
          return c >= 0 && version[0] === v[0] && version[1] === v[1];
        default:
          // "20.x", "6.*" or "20": that major (and minor, when given); else exactly that version
          if (!wildcard) return c === 0;
          return version[0] === v[0] && (!/^\d+\.\d+/.test(m[2] as string) || version[1] === v[1]);
      }
    });
  });
}

describe('production dependencies and Node.js', () => {
  it('reads ranges as npm does', () => {
    expect(satisfies([20, 20, 2], '>=22.0.0')).toBe(false);
    expect(satisfies([20, 20, 2], '>= 18')).toBe(true);
    expect(satisfies([20, 20, 2], '^18.19.0 || >=20.6.0')).toBe(true);
    expect(satisfies([20, 5, 0], '^18.19.0 || >=20.6.0')).toBe(false);
    expect(satisfies([20, 20, 2], '20.x || 22.x')).toBe(true);
    expect(satisfies([20, 20, 2], '>=9.3.0 || >=8.10.0 <9.0.0')).toBe(true);
    expect(satisfies([20, 20, 2], '*')).toBe(true);
  });

  it('all run on the Node.js major that Azure runs the app on, and on this one', () => {
    const bicep = fs.readFileSync('infra/main.bicep', 'utf8');
    const major = Number(/param nodeVersion string = '(\d+)'/.exec(bicep)?.[1]);
    expect(major).toBe(20);
    const running = parse(process.version) as Version;
    expect(running[0]).toBe(major);
    const lock = JSON.parse(fs.readFileSync('package-lock.json', 'utf8')) as {
      packages: Record<string, { version?: string; dev?: boolean; engines?: { node?: string } }>;
    };
    const refused = Object.entries(lock.packages)
      .filter(([name, p]) => name !== '' && !p.dev && p.engines?.node && !satisfies(running, p.engines.node))
      .map(
        ([name, p]) => `${name.replace(/^.*node_modules\//, '')}@${p.version} wants node ${p.engines?.node}`,
      );
    expect(refused).toEqual([]);
  });
});
