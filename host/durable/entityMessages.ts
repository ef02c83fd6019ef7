/**
 * Durable entities as the extension addresses and messages them: an entity's instance id is
 * `@name@key` (the name in lower case), and everything sent to it is an `EventRaised` message, as
 * DTFx carries it: `op` with a RequestMessage (an operation, signalled or called, or a lock
 * request travelling along its lock set), `release` with a ReleaseMessage. Answers go back to an
 * orchestration as an `EventRaised` named by the request's id, with a ResponseMessage. The JSON
 * property names are the extension's, which the SDK reads (`id` from the EventSent's input,
 * `result` and `exceptionType` from the answer).
 */
import { randomUUID } from 'node:crypto';
import { EventType, event, type HistoryEvent } from './history';

export interface EntityRef {
  name: string;
  key: string;
}

/** The extension's RequestMessage. */
export interface RequestMessage {
  /** The operation; absent for a lock request. */
  op?: string;
  signal?: boolean;
  /** The operation's input as JSON text. */
  input?: string;
  id: string;
  /** The sender: an orchestration instance, an entity (`@name@key`), or absent for a client. */
  parent?: string;
  parentExecution?: string;
  /** A lock request: the entities to lock, in order, and how far along it is. */
  lockset?: EntityRef[];
  pos?: number;
  timestamp?: string;
  /** The W3C trace context of what sent it (DTFx's field), which the entity's span continues. */
  parentTraceContext?: { TraceParent: string; TraceState?: string };
}

/** The extension's ReleaseMessage. */
export interface ReleaseMessage {
  parent: string;
  id: string;
}

/** The extension's ResponseMessage. */
export interface ResponseMessage {
  result?: string;
  exceptionType?: string;
}

export const LOCK_ACQUIRED = 'Lock Acquisition Completed';

export function isEntityId(instanceId: string): boolean {
  return instanceId.startsWith('@');
}

export function entityIdOf(name: string, key: string): string {
  return `@${name.toLowerCase()}@${key}`;
}

/** `@name@key` as its name and key; undefined when it is not an entity id. */
export function parseEntityId(entityId: string): EntityRef | undefined {
  if (!entityId.startsWith('@')) return undefined;
  const at = entityId.indexOf('@', 1);
  if (at < 0) return undefined;
  return { name: entityId.slice(1, at), key: entityId.slice(at + 1) };
}

export function newRequestId(): string {
  return randomUUID();
}

/** The message that carries an operation or a lock request to an entity. */
export function operationEvent(request: RequestMessage, now: number): HistoryEvent {
  return event(EventType.EventRaised, now, { Name: 'op', Input: JSON.stringify(request) });
}

export function releaseEvent(release: ReleaseMessage, now: number): HistoryEvent {
  return event(EventType.EventRaised, now, { Name: 'release', Input: JSON.stringify(release) });
}

/** The answer an orchestration receives, named by its request's id. */
export function responseEvent(requestId: string, response: ResponseMessage, now: number): HistoryEvent {
  return event(EventType.EventRaised, now, { Name: requestId, Input: JSON.stringify(response) });
}

export type EntityMessage =
  | { kind: 'operation'; request: RequestMessage }
  | { kind: 'lock'; request: RequestMessage }
  | { kind: 'release'; release: ReleaseMessage }
  | { kind: 'unknown' };

/** What a message to an entity is. */
export function readEntityMessage(ev: HistoryEvent): EntityMessage {
  if (ev.EventType !== EventType.EventRaised || ev.Input === undefined) return { kind: 'unknown' };
  try {
    const body = JSON.parse(ev.Input) as RequestMessage & ReleaseMessage;
    if (ev.Name === 'release') return { kind: 'release', release: body };
    if (ev.Name !== 'op') return { kind: 'unknown' };
    if (Array.isArray(body.lockset) && body.op === undefined) return { kind: 'lock', request: body };
    return { kind: 'operation', request: body };
  } catch {
    return { kind: 'unknown' };
  }
}
