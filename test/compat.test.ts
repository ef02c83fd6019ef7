/**
 * The host's compatibility matrix: the same app (test/fixtures/compat-app) on published versions
 * of the two SDKs an app brings, each pair installed beside a copy of the app as it would be in
 * the app's own node_modules. The versions come from npm aliases in package.json's
 * devDependencies (`@azure/functions-v4.0` is @azure/functions 4.0.1, and so on). Each pair runs
 * the same checks: HTTP with query and route parameters, chaining, fan-out, activity retries,
 * sub-orchestration retries and failures caught by the parent, timers, external events,
 * continue-as-new, and an entity signalled, called and read (from an orchestrator, through the
 * client and over the HTTP API).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHost, type TestHost } from '../host/testing';

const ROOT = path.resolve('node_modules');
const FIXTURE = path.resolve('test/fixtures/compat-app');

/** [label, @azure/functions package, durable-functions package] */
const MATRIX: Array<[string, string, string]> = [
  ['@azure/functions 4.0.1 + durable-functions latest', '@azure/functions-v4.0', 'durable-functions'],
  ['@azure/functions 4.3.0 + durable-functions latest', '@azure/functions-v4.3', 'durable-functions'],
  ['@azure/functions latest + durable-functions 3.0.0', '@azure/functions', 'durable-functions-v3.0'],
  ['@azure/functions 4.0.1 + durable-functions 3.0.0', '@azure/functions-v4.0', 'durable-functions-v3.0'],
  ['@azure/functions latest + durable-functions latest', '@azure/functions', 'durable-functions'],
];

const version = (pkg: string) =>
  (JSON.parse(fs.readFileSync(path.join(ROOT, pkg, 'package.json'), 'utf8')) as { version: string }).version;

/**
 * The app with these two packages in its own node_modules (copies, so that durable-functions
 * resolves `@azure/functions` to the app's version, as npm installs it), inside the repository so
 * that everything else resolves from the project's node_modules.
 */
function appWith(functionsPkg: string, durablePkg: string): string {
  const dir = path.resolve(
    'test/fixtures/compat-app/.matrix',
    `${version(functionsPkg)}+${version(durablePkg)}`,
  );
  if (!fs.existsSync(path.join(dir, 'ready'))) {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    fs.cpSync(path.join(ROOT, functionsPkg), path.join(dir, 'node_modules/@azure/functions'), {
      recursive: true,
    });
    fs.cpSync(path.join(ROOT, durablePkg), path.join(dir, 'node_modules/durable-functions'), {
      recursive: true,
    });
    fs.writeFileSync(path.join(dir, 'ready'), '');
  }
  // the app itself is copied every time (only the packages are kept), so a changed fixture runs
  for (const file of ['index.js', 'host.json', 'package.json'])
    fs.copyFileSync(path.join(FIXTURE, file), path.join(dir, file));
  return dir;
}

describe.each(MATRIX)('%s', (_label, functionsPkg, durablePkg) => {
  let host: TestHost;
  const counts = fs.mkdtempSync(path.join(os.tmpdir(), 'signoff-compat-'));

  beforeAll(async () => {
    host = await startTestHost({
      app: appWith(functionsPkg, durablePkg),
      clock: 'virtual',
      env: { COMPAT_APP_DIR: counts },
    });
  });

  afterAll(async () => {
    await host?.stop();
    fs.rmSync(counts, { recursive: true, force: true });
  });

  it('serves HTTP with query, route parameters, headers and a body, and none on a GET', async () => {
    const get = await host.get<Record<string, unknown>>('/api/echo/42?x=1&y=two', { 'x-compat': 'yes' });
    expect(get.status).toBe(200);
    expect(get.body).toMatchObject({
      method: 'GET',
      id: '42',
      query: { x: '1', y: 'two' },
      body: '',
      agent: 'yes',
      versions: { functions: version(functionsPkg), durable: version(durablePkg) },
    });
    const post = await host.post<Record<string, unknown>>('/api/echo/7?z=3', 'hello', {
      'content-type': 'text/plain',
    });
    expect(post.body).toMatchObject({ method: 'POST', id: '7', query: { z: '3' }, body: 'hello' });
  });

  it('chains, fans out and in, and continues as new', async () => {
    const chain = await host.client.start('chain', 1);
    const fan = await host.client.start('fanOut');
    const counter = await host.client.start('counter', 0);
    expect((await host.client.waitFor(chain.id, ['Completed'])).output).toBe(8);
    expect((await host.client.waitFor(fan.id, ['Completed'])).output).toBe(110);
    expect((await host.client.waitFor(counter.id, ['Completed'])).output).toBe(3);
  });

  it("retries an activity and a sub-orchestration, and lets a parent catch a child's failure", async () => {
    const activity = await host.client.start('retrying');
    const sub = await host.client.start('subRetrying');
    const caught = await host.client.start('subCaught');
    for (let i = 0; i < 4; i++) {
      await host.idle();
      await host.clock.advance('PT5S');
    }
    expect((await host.client.waitFor(activity.id, ['Completed'])).output).toBe(3);
    expect((await host.client.waitFor(sub.id, ['Completed'])).output).toBe('child succeeded on run 3');
    expect((await host.client.waitFor(caught.id, ['Completed'])).output).toMatch(
      /^caught: .*child run 1 failed/,
    );
  });

  it('wakes on a durable timer and on an external event', async () => {
    const sleeper = await host.client.start('sleeper');
    const waiter = await host.client.start('waiter');
    await host.idle();
    await host.clock.advance('PT1H');
    await host.client.raiseEvent(waiter.id, 'go', { n: 1 });
    expect((await host.client.waitFor(sleeper.id, ['Completed'])).output).toBe('woke');
    expect((await host.client.waitFor(waiter.id, ['Completed'])).output).toEqual({ got: { n: 1 } });
  });

  it('signals, calls and reads an entity from an orchestrator, through the client and over the HTTP API', async () => {
    const caller = await host.client.start('tallyCaller', 'orchestrated');
    expect((await host.client.waitFor(caller.id, ['Completed'])).output).toBe(5);
    expect((await host.post('/api/tally/client', '4')).status).toBe(202);
    expect((await host.post('/api/tally/client', '6')).status).toBe(202);
    const signalled = await host.system.post('/runtime/webhooks/durabletask/entities/Tally/api?op=add', '7');
    expect(signalled.status).toBe(202);
    await host.idle();
    expect((await host.get('/api/tally/client')).body).toEqual({ entityExists: true, entityState: 10 });
    expect((await host.get('/api/tally/nobody')).body).toEqual({ entityExists: false });
    const read = await host.system.get('/runtime/webhooks/durabletask/entities/tally/api');
    expect(read).toMatchObject({ status: 200, body: 7 });
    expect((await host.system.get('/runtime/webhooks/durabletask/entities/tally/orchestrated')).body).toBe(5);
  });
});
