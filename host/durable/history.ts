/**
 * Durable Task Framework history events, in the PascalCase JSON the `durable-functions` SDK
 * replays. Messages between instances are history events too, as in DTFx.
 */

export const EventType = {
  ExecutionStarted: 0,
  ExecutionCompleted: 1,
  ExecutionFailed: 2,
  ExecutionTerminated: 3,
  TaskScheduled: 4,
  TaskCompleted: 5,
  TaskFailed: 6,
  SubOrchestrationInstanceCreated: 7,
  SubOrchestrationInstanceCompleted: 8,
  SubOrchestrationInstanceFailed: 9,
  TimerCreated: 10,
  TimerFired: 11,
  OrchestratorStarted: 12,
  OrchestratorCompleted: 13,
  EventSent: 14,
  EventRaised: 15,
  ContinueAsNew: 16,
  GenericEvent: 17,
  HistoryState: 18,
  ExecutionSuspended: 19,
  ExecutionResumed: 20,
} as const;

export type EventTypeName = keyof typeof EventType;
export const EventTypeNames: Record<number, EventTypeName> = Object.fromEntries(
  Object.entries(EventType).map(([k, v]) => [v, k as EventTypeName]),
);

export interface FailureDetails {
  ErrorType: string;
  ErrorMessage: string;
  StackTrace?: string;
  IsNonRetriable?: boolean;
  InnerFailure?: FailureDetails;
  Properties?: Record<string, unknown>;
}

export interface HistoryEvent {
  EventType: number;
  EventId: number;
  IsPlayed: boolean;
  Timestamp: string;
  Name?: string;
  Version?: string;
  Input?: string;
  Result?: string;
  Reason?: string;
  Details?: string;
  FailureDetails?: FailureDetails;
  TaskScheduledId?: number;
  TimerId?: number;
  FireAt?: string;
  InstanceId?: string;
  OrchestrationInstance?: { InstanceId: string; ExecutionId: string };
  ParentInstance?: {
    Name: string;
    OrchestrationInstance: { InstanceId: string; ExecutionId: string };
    TaskScheduleId: number;
  };
  /** W3C trace context of what started the instance (ExecutionStarted), as DTFx stores it. */
  ParentTraceContext?: { TraceParent: string; TraceState?: string };
  OrchestrationStatus?: string;
  Tags?: Record<string, string>;
  Data?: string;
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function event(
  type: number,
  at: number,
  fields: Partial<HistoryEvent> = {},
  eventId = -1,
): HistoryEvent {
  return { EventType: type, EventId: eventId, IsPlayed: false, Timestamp: iso(at), ...fields };
}

/** Turns anything thrown into DTFx failure details. */
export function toFailureDetails(error: unknown): FailureDetails {
  if (error instanceof Error) {
    return {
      ErrorType: error.name || 'Error',
      ErrorMessage: error.message,
      StackTrace: error.stack,
      IsNonRetriable: false,
    };
  }
  return {
    ErrorType: 'Error',
    ErrorMessage: typeof error === 'string' ? error : safeJson(error),
    IsNonRetriable: false,
  };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
