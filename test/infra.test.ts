/**
 * What can be checked of infra/ without the Bicep CLI or azd (neither can be installed here):
 * that the pieces fit together as azd would need them to, and that docs/deploy.md says what
 * the templates do. A parameter azd passes that main.bicep does not declare, a module input the
 * module lacks, a resource at an API version the guide does not list: each fails here, where it
 * would otherwise fail at the first `azd up`. The templates' contents against Azure's schemas
 * remain unverified (docs/deploy.md says so).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';

const ROOT = path.resolve(__dirname, '..');
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');
const MAIN = read('infra/main.bicep');
const GUIDE = read('docs/deploy.md');

interface Param {
  name: string;
  hasDefault: boolean;
}

function params(bicep: string): Param[] {
  return [...bicep.matchAll(/^param (\w+) [\w.]+( =)?/gm)].map((m) => ({
    name: m[1] as string,
    hasDefault: Boolean(m[2]),
  }));
}

/** The top-level keys of the `{ … }` object that starts at `open` (skipping strings and nesting). */
function objectKeys(text: string, open: number): string[] {
  const keys: string[] = [];
  let depth = 0;
  let segment = '';
  for (let i = open; i < text.length; i++) {
    const c = text[i] as string;
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      segment += text.slice(i, end + 1);
      i = end;
      continue;
    }
    if ('{[('.includes(c)) depth++;
    if ('}])'.includes(c)) depth--;
    if (depth === 0) break;
    if (depth === 1 && (c === ',' || c === '\n' || c === '{')) {
      const key = /^\s*(\w+)\s*:/.exec(segment)?.[1];
      if (key) keys.push(key);
      segment = '';
      continue;
    }
    if (depth === 1) segment += c;
  }
  const key = /^\s*(\w+)\s*:/.exec(segment)?.[1];
  if (key) keys.push(key);
  return keys;
}

/** Each `module x 'path' = … { … params: { … } }` of main.bicep, with the keys it passes. */
function moduleUses(bicep: string): Array<{ symbol: string; file: string; passed: string[] }> {
  return [...bicep.matchAll(/^module (\w+) '([^']+)' = /gm)].map((m) => {
    const start = m.index ?? 0;
    const paramsAt = bicep.indexOf('params: {', start);
    return {
      symbol: m[1] as string,
      file: m[2] as string,
      passed: objectKeys(bicep, paramsAt + 'params: '.length),
    };
  });
}

describe('azd and the Bicep parameters', () => {
  it('every parameter of main.parameters.json is declared in main.bicep, and every required one is given', () => {
    const file = JSON.parse(read('infra/main.parameters.json')) as { parameters: Record<string, unknown> };
    const declared = params(MAIN);
    expect(Object.keys(file.parameters).filter((p) => !declared.some((d) => d.name === p))).toEqual([]);
    const required = declared.filter((d) => !d.hasDefault).map((d) => d.name);
    expect(required.filter((p) => !(p in file.parameters))).toEqual([]);
  });

  it('every module gets exactly inputs it declares, and all it requires', () => {
    const uses = moduleUses(MAIN);
    expect(uses.length).toBeGreaterThanOrEqual(8);
    for (const use of uses) {
      const moduleText = read(path.join('infra', use.file));
      const declared = params(moduleText);
      expect(
        use.passed.filter((p) => !declared.some((d) => d.name === p)),
        `${use.symbol} passes inputs ${use.file} lacks`,
      ).toEqual([]);
      expect(
        declared.filter((d) => !d.hasDefault && !use.passed.includes(d.name)).map((d) => d.name),
        `${use.symbol} misses inputs ${use.file} requires`,
      ).toEqual([]);
    }
  });

  it('azure.yaml deploys the built dist/ to the function app the Bicep tags for it', () => {
    const azd = parseYaml(read('azure.yaml')) as {
      services: Record<string, { project: string; dist: string; host: string; remoteBuild: boolean }>;
    };
    const [name, service] = Object.entries(azd.services)[0] as [string, (typeof azd.services)[string]];
    expect(service).toMatchObject({ project: '.', dist: 'dist', host: 'function', remoteBuild: true });
    expect(read('infra/modules/functionapp.bicep')).toContain(`'azd-service-name': '${name}'`);
  });

  it("the scheduler's task hub is host.json's hub, and the admin role is the one the app knows", () => {
    const hubName = JSON.parse(read('host.json')).extensions.durableTask.hubName;
    expect(MAIN).toContain(`var taskHubName = '${hubName}'`);
    const roles = JSON.parse(read('infra/entra/app-roles.json')) as Array<{ value: string }>;
    const adminRoles = JSON.parse(read('package.json'))['signoff-host'].auth.adminRoles as string[];
    expect(roles.map((r) => r.value)).toEqual(adminRoles);
  });
});

describe('docs/deploy.md says what the templates do', () => {
  const bicepFiles = [
    'infra/main.bicep',
    ...fs.readdirSync(path.join(ROOT, 'infra/modules')).map((f) => `infra/modules/${f}`),
  ];

  it('lists every resource type at the API version the templates use', () => {
    const used = bicepFiles.flatMap((file) =>
      [...read(file).matchAll(/'(Microsoft\.[\w.]+\/[\w/]+)@([\w-]+)'/g)].map((m) => ({
        type: m[1] as string,
        version: m[2] as string,
      })),
    );
    expect(new Set(used.map((u) => u.type)).size).toBeGreaterThanOrEqual(12);
    for (const { type, version } of used) {
      // A child type (…/taskHubs) is listed with its parent's row.
      const parent = type.split('/').slice(0, 2).join('/');
      const row = GUIDE.split('\n').find((line) => line.startsWith(`| \`${parent}\``));
      expect(row, `${type} is not in the guide's table`).toBeDefined();
      expect(row, `${type}@${version}`).toContain(`| ${version} |`);
    }
  });

  it('documents every parameter azd passes and every output', () => {
    const file = JSON.parse(read('infra/main.parameters.json')) as {
      parameters: Record<string, { value: string }>;
    };
    for (const [name, { value }] of Object.entries(file.parameters)) {
      const variable = /\$\{(\w+)/.exec(value)?.[1] as string;
      expect(GUIDE, name).toContain(`| \`${name}\` |`);
      expect(GUIDE, variable).toContain(`\`${variable}\``);
    }
    for (const m of MAIN.matchAll(/^output (\w+) /gm)) expect(GUIDE).toContain(`\`${m[1]}\``);
  });
});
