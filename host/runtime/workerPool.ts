/**
 * The app's worker processes, as the Functions host keeps its language workers: the
 * {@link Invoker} the host uses when the app runs out of process (the default).
 *
 * - `FUNCTIONS_WORKER_PROCESS_COUNT` workers load the app; the first one's report of what the app
 *   registered is what the host serves.
 * - Each invocation goes to the worker with the fewest calls in flight (ties in turn), so work
 *   spreads over the workers and their cores; a worker whose event loop is stuck (it has not
 *   answered a ping for {@link STALL_MS}) gets new work only when every worker is. While none is
 *   ready, invocations wait.
 * - `functionTimeout` (wall-clock, from dispatch): an invocation that overruns fails with the
 *   Functions host's timeout error, except an orchestrator episode, which is abandoned and run
 *   again as the Durable extension does; either way its worker is killed and started again.
 * - A worker that ends (exit, uncaught exception, out of memory, killed) is started again, at once
 *   or, when it keeps ending within seconds of starting, after a growing delay. What it had in
 *   flight: orchestrator episodes and activities run again on a worker (up to {@link MAX_RUNS}
 *   runs in all, then they fail with the worker's exit as their error); anything else (an HTTP
 *   request) fails, as in Azure.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../common/log';
import type { AppRegistrations } from './core';
import { FunctionTimeoutError, WorkerExitError } from './failures';
import { InvocationError, type InvocationRequest, type InvocationResult, type Invoker } from './invoke';
import { AppLoadError } from './load';
import { fromThrown } from './protocol';
import { type CallAnswer, WorkerGoneError, WorkerProcess, type WorkerProcessOptions } from './workerProcess';

export interface WorkerPoolOptions extends WorkerProcessOptions {
  processCount: number;
  /** host.json `functionTimeout`; undefined: no limit. */
  functionTimeoutMs: number | undefined;
  logger: Logger;
}

/** How long a worker may take to load the app. */
const LOAD_TIMEOUT_MS = 60_000;
/** How long the app's appTerminate hooks, and a worker's exit once told to stop, may take. */
const STOP_GRACE_MS = 10_000;
/** The most runs of one orchestrator episode or activity whose worker keeps ending under it. */
export const MAX_RUNS = 5;
/** A worker that ends sooner than this after it started is failing: its restarts back off. */
const QUICK_EXIT_MS = 10_000;
const MAX_RESTART_DELAY_MS = 30_000;
/** How often busy workers are asked whether their event loop is free. */
const PING_MS = 100;
/** A busy worker that has not answered a ping for this long is stuck, for dispatch. */
export const STALL_MS = 500;

/** What the host does when a run is lost: episodes and activities run again; the rest fail. */
type Kind = 'episode' | 'activity' | 'other';

interface Pending {
  request: InvocationRequest;
  kind: Kind;
  runs: number;
  resolve(result: InvocationResult): void;
  reject(error: unknown): void;
}

/** One run of a pending invocation on one worker. */
interface Run {
  pending: Pending;
  worker: WorkerProcess;
  invocationId: string;
  timer?: NodeJS.Timeout;
  over: boolean;
}

interface Slot {
  index: number;
  worker?: WorkerProcess;
  ready: boolean;
  /** Consecutive ends soon after start. */
  quickExits: number;
  restart?: NodeJS.Timeout;
}

type Spawned = { ok: true; registrations: AppRegistrations } | { ok: false; error: AppLoadError };

export class WorkerPool implements Invoker {
  private readonly slots: Slot[];
  private readonly queue: Pending[] = [];
  /** Runs in flight, each until it is answered, lost or timed out. */
  private readonly runs = new Set<Run>();
  private readonly logger: Logger;
  private functionNames = '';
  private running = false;
  private appStarted = false;
  private closed = false;
  private turn = 0;
  private pinger: NodeJS.Timeout | undefined;

  constructor(private readonly options: WorkerPoolOptions) {
    this.logger = options.logger;
    this.slots = Array.from({ length: options.processCount }, (_, index) => ({
      index,
      ready: false,
      quickExits: 0,
    }));
  }

  /** The workers' PIDs, for logs and the start banner. */
  get pids(): number[] {
    return this.slots.flatMap((s) => (s.worker?.pid === undefined ? [] : [s.worker.pid]));
  }

  /** Starts every worker: what the app registered, or an {@link AppLoadError} saying why not. */
  async start(): Promise<AppRegistrations> {
    const spawned = await Promise.all(this.slots.map((slot) => this.spawn(slot)));
    const failed = spawned.find((s) => !s.ok);
    if (failed && !failed.ok) {
      await this.close();
      throw failed.error;
    }
    const first = spawned[0];
    if (!first?.ok) throw new AppLoadError('no worker process was started');
    this.functionNames = namesOf(first.registrations);
    this.running = true;
    this.pinger = setInterval(() => this.pingBusy(), PING_MS);
    this.pinger.unref();
    for (const slot of this.slots) {
      if (slot.worker?.alive) slot.ready = true;
      else this.scheduleRestart(slot, 0);
    }
    return first.registrations;
  }

  invoke(request: InvocationRequest): Promise<InvocationResult> {
    return new Promise((resolve, reject) => {
      this.dispatch({ request, kind: kindOf(request.fn.trigger.type), runs: 0, resolve, reject });
    });
  }

  async runAppHooks(name: 'appStart' | 'appTerminate'): Promise<void> {
    // Workers that start from now on run appStart before they take work.
    if (name === 'appStart') this.appStarted = true;
    const workers = this.slots.flatMap((s) => (s.ready && s.worker ? [s.worker] : []));
    const errors = await Promise.all(workers.map((w) => this.runHooks(w, name)));
    const error = errors.find((e) => e !== undefined);
    if (error !== undefined) throw error;
  }

  /** Settings the app's processes must see that the host learnt after they started. */
  setEnvironment(values: Record<string, string>): void {
    for (const slot of this.slots) slot.worker?.post({ type: 'env', values });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.pinger);
    // What waits or runs now never settles: it runs again at the next start, as after a crash.
    this.queue.length = 0;
    for (const run of this.runs) this.finish(run);
    for (const slot of this.slots) {
      clearTimeout(slot.restart);
      slot.ready = false;
    }
    await Promise.all(this.slots.map((s) => s.worker?.stop(STOP_GRACE_MS)));
  }

  // ---- dispatch ------------------------------------------------------------------------

  private dispatch(pending: Pending): void {
    if (this.closed) return;
    const slot = this.leastBusy();
    if (!slot?.worker) {
      this.queue.push(pending);
      return;
    }
    const { request } = pending;
    pending.runs++;
    const run: Run = {
      pending,
      worker: slot.worker,
      invocationId: pending.runs === 1 && request.invocationId ? request.invocationId : randomUUID(),
      over: false,
    };
    this.runs.add(run);
    const timeoutMs = this.options.functionTimeoutMs;
    if (timeoutMs !== undefined) run.timer = setTimeout(() => this.timedOut(run, timeoutMs), timeoutMs);
    run.worker
      .call({
        type: 'invoke',
        functionName: request.fn.name,
        invocationId: run.invocationId,
        inputData: request.inputData,
        triggerMetadata: request.triggerMetadata,
        traceParent: request.traceParent,
        logFields: request.logFields,
      })
      .then(
        (answer) => this.answered(run, answer),
        (error: unknown) => this.lost(run, error),
      );
  }

  /**
   * The ready worker with the fewest calls in flight (ties in turn), among those whose event loop
   * is free if there are any.
   */
  private leastBusy(): Slot | undefined {
    const now = Date.now();
    let best: Slot | undefined;
    let bestStuck = true;
    const n = this.slots.length;
    for (let i = 0; i < n; i++) {
      const slot = this.slots[(this.turn + i) % n] as Slot;
      const worker = slot.worker;
      if (!slot.ready || !worker?.alive || worker.stopping) continue;
      const stuck = worker.stalledFor(now) > STALL_MS;
      if (!best?.worker || (bestStuck && !stuck) || (bestStuck === stuck && worker.busy < best.worker.busy)) {
        best = slot;
        bestStuck = stuck;
      }
    }
    if (best) this.turn = (best.index + 1) % n;
    return best;
  }

  private pingBusy(): void {
    const now = Date.now();
    for (const slot of this.slots) if (slot.ready && slot.worker?.busy) slot.worker.ping(now);
  }

  private drain(): void {
    while (this.queue.length > 0 && this.leastBusy()) this.dispatch(this.queue.shift() as Pending);
  }

  /** Marks the run over; false when it already was (answered, timed out or lost). */
  private finish(run: Run): boolean {
    if (run.over) return false;
    run.over = true;
    clearTimeout(run.timer);
    this.runs.delete(run);
    return true;
  }

  private answered(run: Run, answer: CallAnswer): void {
    if (!this.finish(run)) return;
    const { pending } = run;
    if (answer.type === 'invoked') {
      pending.resolve({ invocationId: answer.invocationId, response: answer.response });
    } else if (answer.type === 'failed') {
      const thrown = fromThrown(answer.error);
      if (answer.by === 'function') {
        const message = thrown instanceof Error ? thrown.message : String(thrown);
        pending.reject(new InvocationError(message, answer.invocationId, thrown));
      } else {
        pending.reject(thrown instanceof Error ? thrown : new Error(String(thrown)));
      }
    }
  }

  /** The worker ended while the run was in flight. */
  private lost(run: Run, error: unknown): void {
    if (!this.finish(run) || this.closed) return;
    const how = error instanceof WorkerGoneError ? `${error.message} before it answered` : String(error);
    this.again(run, new WorkerExitError(run.pending.request.fn.name, run.worker.pid, how));
  }

  private timedOut(run: Run, timeoutMs: number): void {
    if (!this.finish(run)) return;
    const { request } = run.pending;
    const error = new FunctionTimeoutError(request.fn.name, run.invocationId, timeoutMs);
    this.logger.error(
      { function: request.fn.name, invocationId: run.invocationId, ...request.logFields },
      error.message,
    );
    // A worker cannot be made to drop a function that does not yield: it is replaced.
    this.logger.warn({ pid: run.worker.pid }, 'Restarting the worker process after a function timeout');
    run.worker.kill();
    if (run.pending.kind === 'episode') this.again(run, error);
    else run.pending.reject(new InvocationError(error.message, run.invocationId, error));
  }

  /** Runs an episode or activity again (with a growing delay after the second run); fails the rest. */
  private again(run: Run, failure: FunctionTimeoutError | WorkerExitError): void {
    const { pending } = run;
    if (pending.kind === 'other' || pending.runs >= MAX_RUNS) {
      pending.reject(new InvocationError(failure.message, run.invocationId, failure));
      return;
    }
    const delayMs = pending.runs < 2 ? 0 : 1000 * 2 ** (pending.runs - 2);
    this.logger.warn(
      {
        function: pending.request.fn.name,
        invocationId: run.invocationId,
        ...pending.request.logFields,
        runs: pending.runs,
        againInMs: delayMs,
        reason: failure.message,
      },
      'invocation lost with its worker process; running it again',
    );
    if (delayMs === 0) this.dispatch(pending);
    else setTimeout(() => this.dispatch(pending), delayMs);
  }

  // ---- worker lifecycle ------------------------------------------------------------------

  /** Starts a worker in the slot; resolves when it loaded the app (and ran appStart), or failed to. */
  private async spawn(slot: Slot): Promise<Spawned> {
    const worker = new WorkerProcess(this.options);
    slot.worker = worker;
    slot.ready = false;
    void worker.exited.then((gone) => this.ended(slot, worker, gone));
    let late = false;
    const timer = setTimeout(() => {
      late = true;
      worker.kill();
    }, LOAD_TIMEOUT_MS);
    const loaded = await worker.loaded;
    clearTimeout(timer);
    if (!loaded.ok) {
      if (late) return failed(`the worker process did not load the app within ${LOAD_TIMEOUT_MS / 1000} s`);
      if (loaded.error) {
        const thrown = fromThrown(loaded.error);
        const text =
          thrown instanceof Error
            ? `${thrown.name === 'Error' ? '' : `${thrown.name}: `}${thrown.message}`
            : String(thrown);
        return failed(`the app failed to load: ${text}`);
      }
      return failed(`the worker process ${loaded.gone?.message ?? 'ended'} while it loaded the app`);
    }
    if (this.appStarted) {
      const error = await this.runHooks(worker, 'appStart');
      if (error !== undefined) this.logger.error({ err: error, pid: worker.pid }, 'appStart hook failed');
    }
    return loaded;
  }

  private async restart(slot: Slot): Promise<void> {
    const spawned = await this.spawn(slot);
    const worker = slot.worker;
    if (this.closed || !worker?.alive) return;
    if (!spawned.ok) {
      this.logger.error({ err: spawned.error }, 'a worker process could not start');
      return;
    }
    if (namesOf(spawned.registrations) !== this.functionNames) {
      this.logger.warn(
        { pid: worker.pid },
        'the restarted worker process registered other functions than the host serves (did the app change on disk?); restart the host to serve them',
      );
    }
    slot.ready = true;
    this.logger.info({ pid: worker.pid }, 'worker process started');
    this.drain();
  }

  private ended(slot: Slot, worker: WorkerProcess, gone: WorkerGoneError): void {
    if (slot.worker !== worker) return;
    slot.worker = undefined;
    slot.ready = false;
    if (!this.running || this.closed) return;
    let delayMs = 0;
    if (!worker.stopping) {
      slot.quickExits = Date.now() - worker.startedAt < QUICK_EXIT_MS ? slot.quickExits + 1 : 0;
      delayMs = slot.quickExits < 2 ? 0 : Math.min(1000 * 2 ** (slot.quickExits - 2), MAX_RESTART_DELAY_MS);
      this.logger.error(
        { pid: gone.pid, code: gone.code, signal: gone.signal, restartInMs: delayMs },
        `worker process ${gone.message}; starting another`,
      );
    }
    this.scheduleRestart(slot, delayMs);
  }

  private scheduleRestart(slot: Slot, delayMs: number): void {
    clearTimeout(slot.restart);
    slot.restart = setTimeout(() => {
      slot.restart = undefined;
      void this.restart(slot);
    }, delayMs);
  }

  /** Runs a hook in one worker; the error it threw, if any (a worker that ended counts as done). */
  private async runHooks(worker: WorkerProcess, name: 'appStart' | 'appTerminate'): Promise<unknown> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), name === 'appTerminate' ? STOP_GRACE_MS : LOAD_TIMEOUT_MS);
    });
    try {
      const answer = await Promise.race([worker.call({ type: 'hooks', name }), late]);
      if (answer === 'late') return new Error(`the ${name} hooks did not finish in time`);
      return answer.type === 'hooksDone' && answer.error ? fromThrown(answer.error) : undefined;
    } catch (error) {
      return error instanceof WorkerGoneError ? undefined : error;
    } finally {
      clearTimeout(timer);
    }
  }
}

function failed(message: string): Spawned {
  return { ok: false, error: new AppLoadError(message) };
}

function kindOf(triggerType: string | undefined): Kind {
  switch (triggerType) {
    case 'orchestrationTrigger':
      return 'episode';
    // An entity batch that overruns fails its operations, as the extension fails them; one whose
    // worker was lost runs again, like an activity.
    case 'activityTrigger':
    case 'entityTrigger':
      return 'activity';
    default:
      return 'other';
  }
}

function namesOf(registrations: AppRegistrations): string {
  return registrations.functions
    .map((f) => f.name.toLowerCase())
    .sort()
    .join(',');
}
