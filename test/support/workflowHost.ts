/**
 * Shared set-up for the host tests that run test/fixtures/workflow-app: a host with its own
 * side-effect directory (WORKFLOW_APP_DIR), and small readers of what a user can observe.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { type InstanceStatus, startTestHost, type TestHost, type TestHostOptions } from '../../host/testing';

export const WORKFLOW_APP = 'test/fixtures/workflow-app';
export const API = '/runtime/webhooks/durabletask';

export interface WorkflowHost {
  host: TestHost;
  /** Where the app's activities leave their side effects. */
  dir: string;
}

export async function startWorkflowHost(options: Partial<TestHostOptions> = {}): Promise<WorkflowHost> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'workflow-app-'));
  const host = await startTestHost({
    app: WORKFLOW_APP,
    clock: 'virtual',
    ...options,
    env: { WORKFLOW_APP_DIR: dir, ...options.env },
  });
  return { host, dir };
}

export type HistoryItem = Record<string, unknown> & { EventType: string };

export function history(status: InstanceStatus): HistoryItem[] {
  return (status.historyEvents ?? []) as HistoryItem[];
}

/** The EventType names of the history, in order. */
export function shape(status: InstanceStatus): string[] {
  return history(status).map((e) => e.EventType);
}

export function eventsOf(status: InstanceStatus, type: string): HistoryItem[] {
  return history(status).filter((e) => e.EventType === type);
}

/** Lines an activity appended to `<dir>/<key>.log`. */
export function recorded(dir: string, key: string): string[] {
  const file = path.join(dir, `${key}.log`);
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

export const ms = (iso: unknown): number => Date.parse(String(iso));

export interface RawEvent {
  EventType: number;
  EventId: number;
  Timestamp: string;
  TaskScheduledId?: number;
  TimerId?: number;
  FireAt?: string;
  Name?: string;
  [key: string]: unknown;
}

/**
 * The history exactly as the host stores and replays it to the SDK (DTFx events with EventId,
 * OrchestratorStarted markers and all), read from the host's SQLite file without writing.
 */
export function rawHistory(host: TestHost, instanceId: string): RawEvent[] {
  const db = new Database(path.join(host.options.dataDir, 'signoff.db'), {
    readonly: true,
    fileMustExist: true,
  });
  try {
    const rows = db
      .prepare('SELECT event FROM history WHERE instance_id = ? ORDER BY seq')
      .all(instanceId) as Array<{ event: string }>;
    return rows.map((r) => JSON.parse(r.event) as RawEvent);
  } finally {
    db.close();
  }
}

export const RawType = {
  ExecutionStarted: 0,
  ExecutionCompleted: 1,
  TaskScheduled: 4,
  TaskCompleted: 5,
  TaskFailed: 6,
  SubOrchestrationInstanceCreated: 7,
  SubOrchestrationInstanceFailed: 9,
  TimerCreated: 10,
  TimerFired: 11,
  OrchestratorStarted: 12,
  OrchestratorCompleted: 13,
  EventRaised: 15,
} as const;
