/**
 * The "at a glance" answer for an operator: what the instance is doing or waiting for, since
 * when, what failed, and what to do next. Pure: built from the status, the timeline and the
 * failures the history shows, and what the app says the instance waits for (appViews.ts).
 */
import type { InstanceStatus } from './api.js';
import type { AppWait } from './appViews.js';
import { duration } from './format.js';
import type { Failure, OpenItem } from './history.js';

export type Tone = 'ok' | 'wait' | 'warn' | 'bad';

export interface WaitLine {
  text: string;
  since?: number;
  until?: number;
  instanceId?: string;
}

export interface Glance {
  tone: Tone;
  headline: string;
  waiting: WaitLine[];
  failed?: Failure;
  /** Suggested actions, by the name of the button that does them. */
  actions: Array<'rewind' | 'restart' | 'resume' | 'terminate' | 'raise event' | 'purge'>;
  advice: string[];
}

export function glance(
  status: InstanceStatus,
  open: OpenItem[],
  fails: Failure[],
  now: number,
  lastEventAt: number,
  appWaits: AppWait[] = [],
): Glance {
  const created = Date.parse(status.createdTime);
  const updated = Date.parse(status.lastUpdatedTime);
  const lastFailure = fails[fails.length - 1];
  switch (status.runtimeStatus) {
    case 'Pending':
      return {
        tone: 'wait',
        headline: `Pending for ${duration(now - created)}: not started by the runtime yet`,
        waiting: [{ text: 'the runtime to run its first episode', since: created }],
        actions: ['terminate'],
        advice: ['If it stays Pending, check that the function app (or host) is running and not overloaded.'],
      };
    case 'Suspended':
      return {
        tone: 'warn',
        headline: `Suspended since ${duration(now - updated)} ago`,
        waiting: [
          { text: 'an operator to resume it: events and timers are kept until then', since: updated },
          ...waitLines(open, appWaits),
        ],
        actions: ['resume', 'terminate'],
        advice: [
          'Resume it to let it continue; events and timers that arrived meanwhile are delivered then.',
        ],
      };
    case 'Failed':
      return {
        tone: 'bad',
        headline: `Failed after ${duration(updated - created)}`,
        waiting: [],
        failed: lastFailure ?? {
          source: 'orchestration',
          at: updated,
          message: typeof status.output === 'string' ? status.output : JSON.stringify(status.output),
        },
        actions: ['rewind', 'restart', 'purge'],
        advice: [
          'Fix the cause, then rewind: the instance replays to the failure and runs the failed work again, keeping what succeeded.',
          'Or restart it with the same input as a new instance.',
        ],
      };
    case 'Terminated':
      return {
        tone: 'warn',
        headline: `Terminated${typeof status.output === 'string' && status.output ? `: ${status.output}` : ''}`,
        waiting: [],
        actions: ['restart', 'purge'],
        advice: [
          'Restart it with the same input if the work is still needed; purge it to delete its history.',
        ],
      };
    case 'Completed':
    case 'ContinuedAsNew':
    case 'Canceled':
      return {
        tone: 'ok',
        headline: `${status.runtimeStatus} in ${duration(updated - created)}`,
        waiting: [],
        failed: lastFailure,
        actions: ['purge'],
        advice: lastFailure
          ? ['It completed, but some work failed on the way (handled by the orchestrator): see Failures.']
          : ['Nothing to do.'],
      };
    default: {
      const waiting = waitLines(open, appWaits);
      const guessed = waiting.length === 0;
      return {
        tone: 'wait',
        headline: `Running for ${duration(now - created)}`,
        waiting: guessed
          ? [
              {
                text: 'probably an external event: nothing it started is still open, and the history records an event only when it arrives',
                since: lastEventAt,
              },
            ]
          : waiting,
        failed: lastFailure,
        actions: guessed ? ['raise event', 'terminate'] : ['terminate'],
        advice: guessed
          ? ['Raise the event it waits for, or terminate it if it is no longer needed.']
          : ['Nothing to do unless a wait is overdue.'],
      };
    }
  }
}

/** What the app says first (it knows what a wait means), then what the history shows open. */
function waitLines(open: OpenItem[], appWaits: AppWait[]): WaitLine[] {
  const lines: WaitLine[] = [...appWaits];
  for (const item of open) {
    if (item.kind === 'timer') lines.push({ text: 'a timer', since: item.since, until: item.until });
    else if (item.retry && item.until !== undefined)
      lines.push({ text: `the next retry of ${item.label}`, since: item.since, until: item.until });
    else if (item.kind === 'activity')
      lines.push({ text: `activity ${item.label}${item.retry ? ' (a retry)' : ''}`, since: item.since });
    else if (item.kind === 'suborchestration')
      lines.push({ text: `sub-orchestration ${item.label}`, since: item.since, instanceId: item.instanceId });
    else if (item.kind === 'entity')
      lines.push({
        text: item.label.startsWith('lock ') ? `the ${item.label}` : `entity ${item.label}`,
        since: item.since,
      });
  }
  return lines;
}
