/**
 * The deployable artefact is whole: `npm run package:azure`'s zip, unpacked into an empty folder
 * with only its production dependencies installed (from its own package-lock.json, out of the
 * npm cache), runs on the embedded host and a loan gets approved. Nothing of the repository is
 * reachable from that folder, so a file or package missing from the zip fails here.
 *
 * Cost: about 25-35 s on two cores, most of it the install (221 packages, about 14 s) and the
 * TypeScript build (about 6 s). Install scripts are skipped (`--ignore-scripts`): the packages
 * are the same, and the only script in the tree (botbuilder-dialogs' postinstall) fetches a
 * tool with npx, which an offline machine cannot do; Azure's remote build runs it.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import JSZip from 'jszip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHost, type TestHost } from '../host/testing';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..');
const PATTI = '00000000-0000-0000-0000-00000000b001';
const MEGAN = '00000000-0000-0000-0000-00000000a001';

/** Packages only the host, the tests or the tooling use: none may ship. */
const NOT_SHIPPED = [
  'better-sqlite3',
  'tsx',
  'pino',
  'jose',
  'ajv',
  '@azure/monitor-opentelemetry',
  '@opentelemetry/sdk-trace-node',
  // (@azure/storage-blob ships: the app keeps documents in blobs)
  '@azure/storage-queue',
  'playwright-core',
  'vitest',
  'typescript',
];

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'signoff-artefact-'));
const appDir = path.join(work, 'app');
const zipFile = path.join(work, 'signoff-functions.zip');
const timings: Record<string, number> = {};
let entries: string[] = [];
let host: TestHost | undefined;

async function timed<T>(name: string, step: () => Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    return await step();
  } finally {
    timings[name] = Date.now() - started;
  }
}

/** The environment for npm in the app folder: none of the npm_* settings of the `npm test` that runs us. */
function npmEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
}

beforeAll(async () => {
  await timed('package', () =>
    run(
      process.execPath,
      ['--import', 'tsx', 'scripts/package-azure.ts', '--out', path.join(work, 'dist'), '--zip', zipFile],
      { cwd: ROOT },
    ),
  );
  const zip = await JSZip.loadAsync(fs.readFileSync(zipFile));
  entries = Object.keys(zip.files).filter((name) => !zip.files[name]?.dir);
  fs.mkdirSync(appDir);
  for (const name of entries) {
    const target = path.join(appDir, name);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, await (zip.files[name] as JSZip.JSZipObject).async('nodebuffer'));
  }
  // Never anywhere near the repository's own node_modules.
  expect(path.relative(os.tmpdir(), appDir).startsWith('..')).toBe(false);
  await timed('install', () =>
    run(
      'npm',
      [
        'ci',
        '--omit=dev',
        '--ignore-scripts',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        '--prefix',
        appDir,
      ],
      { cwd: appDir, env: npmEnv(), maxBuffer: 16 * 1024 * 1024 },
    ),
  );
}, 240_000);

afterAll(async () => {
  await host?.stop();
  // One line of figures, to see what the artefact costs to build, install and start.
  console.info(JSON.stringify({ artefactTest: timings, files: entries.length }));
  fs.rmSync(work, { recursive: true, force: true });
});

describe('the zip', () => {
  it('holds the compiled app, its policy, host.json and its manifests, and nothing else', () => {
    const top = [...new Set(entries.map((e) => e.split('/')[0]))].sort();
    expect(top).toEqual([
      'bot',
      'cards',
      'domain',
      'functions',
      'host.json',
      'package-lock.json',
      'package.json',
    ]);
    expect(entries).toContain('functions/index.js');
    expect(entries).toContain('functions/approvals/policy.yaml');
    expect(entries).toContain('cards/templates/request.json');
    expect(entries.filter((e) => /\.(ts|map)$|\.test\.js$|preview|samples/.test(e))).toEqual([]);
  });

  it('declares only the app’s production dependencies, locked', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(appDir, 'package.json'), 'utf8'));
    expect(pkg.main).toBe('functions/index.js');
    expect(pkg.devDependencies).toBeUndefined();
    expect(pkg.scripts).toBeUndefined();
    expect(Object.keys(pkg.dependencies)).toEqual(
      expect.arrayContaining([
        'durable-functions',
        '@azure/functions',
        'botbuilder',
        '@azure/identity',
        '@azure/storage-blob',
      ]),
    );
    for (const name of NOT_SHIPPED) expect(pkg.dependencies).not.toHaveProperty(name);
    const lock = JSON.parse(fs.readFileSync(path.join(appDir, 'package-lock.json'), 'utf8'));
    expect(lock.packages[''].dependencies).toEqual(pkg.dependencies);
    for (const name of NOT_SHIPPED) expect(lock.packages).not.toHaveProperty(`node_modules/${name}`);
  });

  it('has no app code that writes to stdout or stderr itself', () => {
    const offenders = entries
      .filter((e) => e.endsWith('.js'))
      .filter((e) =>
        /\bconsole\.|process\.(stdout|stderr)/.test(fs.readFileSync(path.join(appDir, e), 'utf8')),
      );
    expect(offenders).toEqual([]);
  });
});

describe('installed with its production dependencies alone', () => {
  it('got none of the host’s or the tooling’s packages', () => {
    expect(fs.existsSync(path.join(appDir, 'node_modules', 'durable-functions', 'package.json'))).toBe(true);
    for (const name of NOT_SHIPPED) {
      expect(fs.existsSync(path.join(appDir, 'node_modules', name)), name).toBe(false);
    }
  });

  it('runs on the embedded host: a loan is requested and approved', async () => {
    host = await timed('hostStart', () => startTestHost({ app: appDir, clock: 'virtual' }));
    expect((await host.get('/api/health')).status).toBe(200);

    const started = await host.as(PATTI).post<{ id: string }>('/api/approvals/loan', {
      details: {
        applicant: 'Patti Fernandez',
        amount: 5000,
        currency: 'EUR',
        purpose: 'van',
        termMonths: 36,
      },
    });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    const id = started.body.id;
    await host.idle();
    const pending = await host
      .as(PATTI)
      .get<{ state: string; awaiting: Array<{ id: string }> }>(`/api/approvals/${id}`);
    expect(pending.body).toMatchObject({ state: 'Pending', awaiting: [{ id: MEGAN }] });

    const decided = await host.as(MEGAN).post(`/api/approvals/${id}/decision`, { decision: 'approve' });
    expect(decided.status).toBe(202);
    await host.idle();
    const done = await host
      .as(PATTI)
      .get<{ state: string; audit: Array<{ type: string }> }>(`/api/approvals/${id}`);
    expect(done.body.state).toBe('Approved');
    expect(done.body.audit.map((a) => a.type)).toEqual(['requested', 'decision', 'outcome']);
  });
});
