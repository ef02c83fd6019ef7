/**
 * What goes into an episode and what comes out of it: the pending messages of an instance, the
 * orchestrator's answer, and the {@link EpisodeOutcome} the engine commits in one transaction.
 * Types only; the episode (episode.ts), the actions it schedules (actions.ts) and the engine
 * share them.
 */
import type { FailureDetails, HistoryEvent } from './history';
import type { ActionMeta } from './instance';
import type { InstanceRow } from './rows';

export interface PendingMessage {
  /**
   * Where it is stored, deleted when an episode consumes it: a message row, a timer row, or (an
   * activity's result handed straight to its episode, activities.ts) the activity's work row.
   */
  source: 'message' | 'timer' | 'work';
  rowId: number;
  executionId: string | null;
  event: HistoryEvent;
}

/** Hands a message to its instance's mailbox (the scheduler's). */
export type Deliver = (instanceId: string, message: PendingMessage) => void;

export interface NewHistoryEvent {
  event: HistoryEvent;
  actionIx: number | null;
  meta?: ActionMeta;
}

export interface OutgoingMessage {
  instanceId: string;
  executionId: string | null;
  event: HistoryEvent;
}

export interface EpisodeOutcome {
  consumed: PendingMessage[];
  held: PendingMessage[];
  row: InstanceRow;
  /** Replace the history (continue-as-new) instead of appending to it. */
  resetHistory: boolean;
  history: NewHistoryEvent[];
  messages: OutgoingMessage[];
  timers: Array<{ fireAt: number; event: HistoryEvent }>;
  cancelTimers: number[];
  work: Array<{ taskId: number; name: string; input: string | null }>;
  /** Child instances to create (sub-orchestrations), each with its ExecutionStarted message. */
  children: InstanceRow[];
  /** The instance ended: drop its timers and queued activities. */
  ended: boolean;
  /** Activities whose failure is final: no retry policy, or the last attempt of one (alerts). */
  finalFailures: FinalFailure[];
}

export interface FinalFailure {
  taskId: number;
  name: string;
  attempts: number;
  reason: string;
}

/** Why an orchestrator failed, as the SDK reports it (or as the host words its own checks). */
export interface OrchestratorFailure {
  message: string;
  stack?: string;
  /** The error's type when the host found the failure (non-determinism, an unsupported action). */
  errorType?: string;
  /** The failure details the SDK reported itself (a task's `TaskFailedError` left uncaught). */
  details?: FailureDetails;
}

export interface OrchestratorResult {
  state?: OrchestratorState;
  error?: OrchestratorFailure;
}

export interface OrchestratorState {
  isDone: boolean;
  actions: unknown[][];
  output?: unknown;
  error?: string;
  customStatus?: unknown;
}

export interface EpisodeSettings {
  maximumShortTimerMs: number;
  longRunningTimerIntervalMs: number;
  /** How long a polled durable HTTP call waits when a 202 has no `Retry-After`. */
  httpAsyncSleepMs: number;
}

export type RunOrchestrator = (payload: string) => Promise<OrchestratorResult>;
