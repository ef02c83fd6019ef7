/** The benchmarks of BENCH.md by name, each with its full size. */
import { approvalBench } from './approval';
import type { Figures } from './benchRun';
import { chainBench } from './chain';
import { fanoutBench } from './fanout';
import { signoffLoanBench } from './signoffLoan';
import { waitingBench } from './waiting';
import { workerCostBench } from './workerCost';

export interface Workload {
  size: number;
  run(bench: string, n: number): Promise<Figures>;
}

export const WORKLOADS: Record<string, Workload> = {
  'approval-1000': { size: 1000, run: approvalBench },
  'approval-5000': { size: 5000, run: approvalBench },
  'fanout-1000': { size: 1000, run: fanoutBench },
  'fanout-10000': { size: 10_000, run: fanoutBench },
  'chain-100': { size: 100, run: chainBench },
  'waiting-100k': { size: 100_000, run: waitingBench },
  'worker-cost': { size: 100, run: workerCostBench },
  'signoff-loan-1000': { size: 1000, run: signoffLoanBench },
};
