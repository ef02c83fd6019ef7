/**
 * Language worker processes (host/runtime/workerPool.ts), on real host processes and a plain app
 * whose functions hang, crash and burn CPU on request (test/fixtures/workers-app, whose host.json
 * sets `functionTimeout` to 4 s): what a user of the host sees when their code misbehaves.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type InstanceStatus, startTestHost, type TestHost } from '../host/testing';

const APP = 'test/fixtures/workers-app';
const TIMEOUT = /Timeout value of 00:00:04 exceeded by function 'Functions\.(\w+)'/;

function stateDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'signoff-workers-'));
}

/** The PIDs a state file of the app recorded, one a run. */
function runs(dir: string, key: string): number[] {
  const file = path.join(dir, key);
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number);
}

function jsonLines(host: TestHost): Array<Record<string, unknown>> {
  return host.logs.flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

/** The PIDs the start banner names for the worker processes. */
function bannerPids(host: TestHost): number[] {
  const line = host.logs.find((l) => l.startsWith('App: ')) ?? '';
  return [...(/\(PID ([\d, ]+)\)/.exec(line)?.[1] ?? '').matchAll(/\d+/g)].map((m) => Number(m[0]));
}

function failures(status: InstanceStatus): string[] {
  return (status.historyEvents ?? [])
    .filter((e) => e.EventType === 'TaskFailed')
    .map((e) => String(e.Reason ?? ''));
}

async function quickInstances(host: TestHost, n: number): Promise<InstanceStatus[]> {
  const ids = await Promise.all(Array.from({ length: n }, () => host.client.start('quick')));
  return Promise.all(ids.map(({ id }) => host.client.waitFor(id, ['Completed'])));
}

describe('a hung activity', () => {
  let host: TestHost;
  let dir: string;
  beforeAll(async () => {
    dir = stateDir();
    host = await startTestHost({
      app: APP,
      clock: 'virtual',
      autoSkip: true,
      env: { WORKERS_APP_STATE: dir },
    });
  });
  afterAll(async () => {
    await host?.stop();
  });

  it('is timed out and retried per its retry policy while other instances keep completing', async () => {
    const [worker] = bannerPids(host);
    const { id } = await host.client.start('withRetry', { key: 'waits', mode: 'wait', badRuns: 1 });
    await expect.poll(() => runs(dir, 'waits').length).toBe(1);

    // The hung activity holds no one up: ten other instances run to completion meanwhile.
    const others = await quickInstances(host, 10);
    expect(others.every((s) => (s.output as { pid: number }).pid === worker)).toBe(true);
    const meanwhile = await host.client.status(id);
    expect(meanwhile.body.runtimeStatus).toBe('Running');
    expect(failures(meanwhile.body)).toEqual([]);

    // After 4 s the attempt fails as in Azure, its worker is replaced, and the retry succeeds.
    const done = await host.client.waitFor(id, ['Completed'], undefined, 30_000);
    const output = done.output as { runs: number; pid: number };
    expect(output.runs).toBe(2);
    expect(output.pid).not.toBe(worker);
    expect(runs(dir, 'waits')).toEqual([worker, output.pid]);
    const [reason] = failures(done);
    expect(reason).toMatch(/^Activity function 'misbehave' failed: Timeout value of 00:00:04 exceeded/);
    expect(failures(done)).toHaveLength(1);
    // The new worker ran the app's appStart hook before it took work.
    expect(runs(dir, 'appStart')).toEqual([worker, output.pid]);
    const logged = jsonLines(host).find((l) => typeof l.msg === 'string' && TIMEOUT.test(l.msg));
    expect(logged).toMatchObject({ level: 'error', function: 'misbehave', instanceId: id });
  });

  it('fails the activity for good once its retry policy is spent, and the orchestrator catches it', async () => {
    const input = { key: 'always', mode: 'wait', badRuns: 2, attempts: 2 };
    const { id } = await host.client.start('withRetry', input);
    const done = await host.client.waitFor(id, ['Completed'], undefined, 40_000);
    expect(runs(dir, 'always')).toHaveLength(2);
    expect((done.output as { caught: string }).caught).toMatch(TIMEOUT);
    expect(failures(done)).toHaveLength(2);
  });
});

describe('an activity that spins on the CPU, with two worker processes', () => {
  let host: TestHost;
  let dir: string;
  beforeAll(async () => {
    dir = stateDir();
    host = await startTestHost({
      app: APP,
      clock: 'virtual',
      autoSkip: true,
      env: { WORKERS_APP_STATE: dir, FUNCTIONS_WORKER_PROCESS_COUNT: '2' },
    });
  });
  afterAll(async () => {
    await host?.stop();
  });

  it('spreads work over both worker processes, which run at the same time', async () => {
    const workers = bannerPids(host);
    const { id } = await host.client.start('spread', { n: 8, burnMs: 300 });
    const done = await host.client.waitFor(id, ['Completed'], undefined, 30_000);
    const results = done.output as Array<{ pid: number; start: number; end: number }>;
    const pids = new Set(results.map((r) => r.pid));
    expect(pids.size).toBe(2);
    expect([...pids].sort()).toEqual([...workers].sort());
    expect(pids.has(host.pid as number)).toBe(false);
    const [a, b] = [...pids];
    const overlap = results.some(
      (x) => x.pid === a && results.some((y) => y.pid === b && y.start < x.end && x.start < y.end),
    );
    expect(overlap).toBe(true);
  });

  it('stalls neither the host nor the other worker, and is retried on a fresh one', async () => {
    const workers = bannerPids(host);
    expect(workers).toHaveLength(2);
    const { id } = await host.client.start('withRetry', { key: 'spins', mode: 'spin', badRuns: 1 });
    await expect.poll(() => runs(dir, 'spins').length).toBe(1);
    const [spinning] = runs(dir, 'spins');
    // Long enough for the host to see that the worker does not answer its pings (STALL_MS).
    await new Promise((r) => setTimeout(r, 1000));

    // The host answers, and the other worker runs everything else while one spins.
    const others = await quickInstances(host, 10);
    const pids = new Set(others.map((s) => (s.output as { pid: number }).pid));
    expect([...pids]).toEqual(workers.filter((p) => p !== spinning));
    expect((await host.client.status(id)).body.runtimeStatus).toBe('Running');

    const done = await host.client.waitFor(id, ['Completed'], undefined, 30_000);
    expect((done.output as { runs: number }).runs).toBe(2);
    expect(failures(done)[0]).toMatch(TIMEOUT);
    // The spinning process is gone.
    expect(() => process.kill(spinning as number, 0)).toThrow();
  });
});

describe('a worker process that ends mid-activity', () => {
  let host: TestHost;
  let dir: string;
  beforeAll(async () => {
    dir = stateDir();
    host = await startTestHost({
      app: APP,
      env: {
        WORKERS_APP_STATE: dir,
        // Azure's setting for the worker's node options: a small heap, for the out-of-memory case.
        languageWorkers__node__arguments: '--max-old-space-size=96',
      },
    });
  });
  afterAll(async () => {
    await host?.stop();
  });

  for (const mode of ['exit', 'kill', 'uncaught', 'rejection', 'oom']) {
    it(`(${mode}) is restarted, and the activity runs again there: the instance completes`, async () => {
      const { id } = await host.client.start('once', { key: mode, mode, badRuns: 1 });
      const done = await host.client.waitFor(id, ['Completed'], undefined, 40_000);
      const output = done.output as { runs: number; pid: number };
      const [crashed, second] = runs(dir, mode);
      expect(output).toEqual({ runs: 2, pid: second });
      expect(second).not.toBe(crashed);
      // No failure reached the orchestration: the lost run is the host's to redo.
      expect(failures(done)).toEqual([]);
      expect(runs(dir, 'appStart')).toContain(second);
      const ended = jsonLines(host).find(
        (l) => l.pid === crashed && typeof l.msg === 'string' && l.msg.endsWith('; starting another'),
      );
      expect(ended).toMatchObject({ level: 'error' });
      expect(ended?.msg).toMatch(mode === 'exit' ? /exited with code 3/ : /exited with code|was killed/);
    });
  }
});

describe('timeouts of HTTP functions and orchestrator episodes', () => {
  let host: TestHost;
  let dir: string;
  beforeAll(async () => {
    dir = stateDir();
    host = await startTestHost({ app: APP, env: { WORKERS_APP_STATE: dir } });
  });
  afterAll(async () => {
    await host?.stop();
  });

  it('answers 500 to a request whose function overruns, and serves the next one from a new worker', async () => {
    const before = await host.get<{ pid: number }>('/api/pid');
    const spun = await host.get<{ error: string; invocationId: string }>('/api/spin');
    expect(spun.status).toBe(500);
    expect(spun.body.error).toBe("Function 'spin' failed");
    const after = await host.get<{ pid: number }>('/api/pid');
    expect(after.status).toBe(200);
    expect(after.body.pid).not.toBe(before.body.pid);
    const logged = jsonLines(host).find(
      (l) => typeof l.msg === 'string' && l.msg.includes(`(Id: '${spun.body.invocationId}')`),
    );
    expect(logged?.msg).toMatch(TIMEOUT);
  });

  it('abandons an orchestrator episode that overruns and runs it again, as the Durable extension does', async () => {
    const { id } = await host.client.start('spinningEpisode', { key: 'episode', badRuns: 1 });
    const done = await host.client.waitFor(id, ['Completed'], undefined, 30_000);
    const [spun, ranAgain] = runs(dir, 'episode');
    expect(runs(dir, 'episode')).toHaveLength(2);
    expect(ranAgain).not.toBe(spun);
    expect((done.output as { pid: number }).pid).toBe(ranAgain);
    expect(failures(done)).toEqual([]);
  });
});

describe('the app in worker processes', () => {
  let host: TestHost;
  afterEach(async () => {
    await host?.stop();
  });

  it('runs its hooks there: appStart and appTerminate in each worker, pre- and postInvocation around each call', async () => {
    const dir = stateDir();
    host = await startTestHost({
      app: APP,
      env: { WORKERS_APP_STATE: dir, FUNCTIONS_WORKER_PROCESS_COUNT: '2' },
    });
    const workers = bannerPids(host);
    expect(runs(dir, 'appStart').sort()).toEqual([...workers].sort());
    const res = await host.get<{ pid: number; postInvocation: boolean }>('/api/pid');
    expect(res.body).toEqual({ pid: expect.any(Number), postInvocation: true });
    const pre = fs.readFileSync(path.join(dir, 'preInvocation'), 'utf8');
    expect(pre).toContain(`pid ${res.body.pid}`);
    expect(await host.stop()).toBe(0);
    expect(runs(dir, 'appTerminate').sort()).toEqual([...workers].sort());
    // No worker outlives its host.
    for (const pid of workers) expect(() => process.kill(pid, 0)).toThrow();
  });

  it('reach the host output as one JSON line each, with the invocation fields beside the message', async () => {
    host = await startTestHost({ app: APP, env: { WORKERS_APP_STATE: stateDir() } });
    const { id } = await host.client.start('spread', { n: 3, burnMs: 0 });
    await host.client.waitFor(id, ['Completed']);
    const worked = jsonLines(host).filter((l) => l.msg === 'worked');
    expect(worked).toHaveLength(3);
    expect(worked[0]).toMatchObject({
      level: 'info',
      function: 'work',
      pid: bannerPids(host)[0],
      burnMs: 0,
      invocationId: expect.any(String),
    });
  });
});

describe('start-up', () => {
  const startFails = async (app: string, env: Record<string, string> = {}) => {
    const failed = await startTestHost({ app, env }).then(
      async (h) => {
        await h.stop();
        return undefined;
      },
      (error: Error) => error.message,
    );
    expect(failed).toMatch(/host exited with 1 before listening/);
    return failed as string;
  };

  it('stops the host, naming the error, when the app throws while it loads', async () => {
    const output = await startFails('test/fixtures/workers-broken-app');
    expect(output).toContain(
      'signoff-host: the app failed to load: WIDGET_URL is not set: the app cannot start',
    );
  });

  it('stops the host naming FUNCTIONS_WORKER_PROCESS_COUNT when it is out of range', async () => {
    const output = await startFails(APP, { FUNCTIONS_WORKER_PROCESS_COUNT: '11' });
    expect(output).toContain('FUNCTIONS_WORKER_PROCESS_COUNT: "11" is not a whole number from 1 to 10');
  });

  it('stops the host naming functionTimeout when host.json has one Azure would refuse', async () => {
    const app = fs.mkdtempSync(path.join(os.tmpdir(), 'signoff-workers-app-'));
    fs.cpSync(APP, app, { recursive: true });
    fs.writeFileSync(
      path.join(app, 'host.json'),
      JSON.stringify({ version: '2.0', functionTimeout: 'PT5M' }),
    );
    const output = await startFails(app);
    expect(output).toContain('host.json: functionTimeout "PT5M" is not a TimeSpan like "00:05:00"');
  });
});
