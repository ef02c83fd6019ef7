/**
 * The timer trigger's schedule monitor: each timer's last and next occurrence, kept where Azure
 * keeps it (the blob `timers/<host id>/Host.Functions.<name>/status` in the container
 * `azure-webjobs-hosts` of AzureWebJobsStorage, as JSON `{"Last","Next","LastUpdated"}`), so that
 * a host that starts again knows whether it missed an occurrence while it was down: then the
 * function runs at once, with `isPastDue`. A schedule that changed meanwhile is not past due.
 */
import type { Logger } from '../common/log';
import type { StorageAccount } from './connections';
import { jsonDate, MIN_DATE, readJsonDate } from './dotnet';
import { statusOf } from './rpcData';
import type { TimerSchedule } from './timerSchedule';

/** Times in ms; undefined where the host has none yet (`DateTime.MinValue` in the blob). */
export interface ScheduleStatus {
  last?: number;
  next?: number;
  lastUpdated?: number;
}

const CONTAINER = 'azure-webjobs-hosts';

/** The status as the timer object (and the blob) show it. */
export function statusJson(status: ScheduleStatus): { Last: string; Next: string; LastUpdated: string } {
  const date = (ms: number | undefined) => (ms === undefined ? MIN_DATE : jsonDate(ms));
  return { Last: date(status.last), Next: date(status.next), LastUpdated: date(status.lastUpdated) };
}

export class ScheduleMonitor {
  constructor(
    private readonly account: StorageAccount,
    private readonly hostId: string,
    private readonly logger: Logger,
  ) {}

  private blob(timer: string) {
    return this.account
      .blobs()
      .getContainerClient(CONTAINER)
      .getBlockBlobClient(`timers/${this.hostId}/${timer}/status`);
  }

  async get(timer: string): Promise<ScheduleStatus | undefined> {
    try {
      const json = JSON.parse((await this.blob(timer).downloadToBuffer()).toString('utf8')) as Record<
        string,
        unknown
      >;
      return {
        last: readJsonDate(json.Last),
        next: readJsonDate(json.Next),
        lastUpdated: readJsonDate(json.LastUpdated),
      };
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  /** Best effort, as in Azure: a failure is logged. */
  async update(timer: string, status: ScheduleStatus): Promise<void> {
    const body = JSON.stringify(statusJson(status));
    try {
      try {
        await this.blob(timer).upload(body, Buffer.byteLength(body));
      } catch (error) {
        if (statusOf(error) !== 404) throw error;
        await this.account.blobs().getContainerClient(CONTAINER).createIfNotExists();
        await this.blob(timer).upload(body, Buffer.byteLength(body));
      }
    } catch (error) {
      this.logger.error(
        { err: error, timer },
        `Function '${timer}' failed to update the timer trigger status`,
      );
    }
  }

  /**
   * Whether the timer is past due at `now`, with its status brought up to date: a status never
   * recorded is recorded; a status whose `Next` the schedule would not give (it changed) gets the
   * schedule's next occurrence (from `now`, if that one is past) and is not past due.
   */
  async checkPastDue(
    timer: string,
    now: number,
    schedule: TimerSchedule,
    recorded: ScheduleStatus | undefined,
  ): Promise<{ pastDue: boolean; status: ScheduleStatus }> {
    if (!recorded) {
      const status = { next: schedule.next(now), lastUpdated: now };
      await this.update(timer, status);
      return { pastDue: false, status };
    }
    const base = recorded.last ?? recorded.lastUpdated ?? now;
    let expected = schedule.next(base);
    let status = recorded;
    if (recorded.next !== expected) {
      let updated = base;
      if (expected !== undefined && now > expected) {
        expected = schedule.next(now);
        updated = now;
      }
      status = { next: expected, lastUpdated: updated };
      await this.update(timer, status);
    }
    return { pastDue: status.next !== undefined && now > status.next, status };
  }
}
