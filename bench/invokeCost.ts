/**
 * The invocation round trip alone, in this process: the bench app's `measure` activity invoked
 * through an {@link InProcessInvoker} (the app loaded here) and through a {@link WorkerPool} of one
 * worker, with an input of a given size (an orchestrator episode's payload is its history: a few
 * KiB for a short workflow, tens of KiB for a long one). Calls go one at a time, in blocks that
 * alternate between the two, and each figure is the median block's time per call.
 */
import { createLogger } from '../host/common/log';
import { FunctionRegistry, installCoreModule, type RegisteredFunction } from '../host/runtime/core';
import { InProcessInvoker, type Invoker } from '../host/runtime/invoke';
import { loadApp } from '../host/runtime/load';
import { WorkerPool } from '../host/runtime/workerPool';
import { BENCH_APP } from './hostProcess';
import { median } from './stats';

const BLOCKS = 20;
const CALLS = 100;

export interface InvokeCost {
  /** Microseconds per call, by input size in KiB. */
  inProcessUs: Record<number, number>;
  workerUs: Record<number, number>;
}

export async function invokeCost(sizesKiB: number[]): Promise<InvokeCost> {
  const logger = createLogger({ level: 'warn' });
  const local = new FunctionRegistry(logger);
  installCoreModule(local);
  await loadApp(BENCH_APP);
  const inProcess = new InProcessInvoker(local, logger, BENCH_APP);
  const pool = new WorkerPool({
    appDir: BENCH_APP,
    processCount: 1,
    nodeArguments: [],
    functionTimeoutMs: undefined,
    logger,
    logLevel: 'warn',
  });
  const remote = new FunctionRegistry(logger);
  remote.adopt(await pool.start());
  try {
    const result: InvokeCost = { inProcessUs: {}, workerUs: {} };
    for (const kib of sizesKiB) {
      const input = JSON.stringify('x'.repeat(kib * 1024));
      const a = timer(inProcess, local.get('measure') as RegisteredFunction, input);
      const b = timer(pool, remote.get('measure') as RegisteredFunction, input);
      await a(CALLS);
      await b(CALLS);
      const blocksA: number[] = [];
      const blocksB: number[] = [];
      for (let i = 0; i < BLOCKS; i++) {
        blocksA.push(await a(CALLS));
        blocksB.push(await b(CALLS));
      }
      result.inProcessUs[kib] = median(blocksA);
      result.workerUs[kib] = median(blocksB);
    }
    return result;
  } finally {
    await pool.close();
  }
}

/** Microseconds per call of `calls` calls one after another. */
function timer(invoker: Invoker, fn: RegisteredFunction, json: string) {
  return async (calls: number): Promise<number> => {
    const began = performance.now();
    for (let i = 0; i < calls; i++) {
      await invoker.invoke({ fn, inputData: [{ name: fn.triggerName, data: { json } }] });
    }
    return ((performance.now() - began) * 1000) / calls;
  };
}
