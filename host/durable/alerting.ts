/**
 * The engine's alerts: `activity-failed` when an activity's failure is final, and
 * `instance-sla` for an instance still not ended its SLA after it was created (checked whenever
 * the clock wakes the engine). Alerts go to the host's sink; one that cannot be raised is logged.
 */

import type { Logger } from '../common/log';
import { type AlertSink, activityFailedAlert, type HostAlert, instanceSlaAlert } from './alertSink';
import type { Clock } from './clock';
import type { FinalFailure } from './outcome';
import { type InstanceRow, TERMINAL_STATUSES } from './rows';
import { SlaWatch } from './slaWatch';

export class EngineAlerts {
  /** Where alerts go; none: not raised. */
  sink: AlertSink | undefined;
  /** Instance SLAs, when an SLA is set. */
  private readonly slas: SlaWatch | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly logger: Logger,
    instanceSlaMs: number | undefined,
    private readonly rowOf: (instanceId: string) => InstanceRow | undefined,
    /** Asks the clock to wake the engine at the next timer or SLA; called when the next SLA moved. */
    private readonly scheduleWake: () => void,
  ) {
    this.slas = instanceSlaMs === undefined ? undefined : new SlaWatch(instanceSlaMs);
  }

  /** When the next instance comes due for its SLA, if any. */
  get nextSla(): number | undefined {
    return this.slas?.next;
  }

  activitiesFailed(row: InstanceRow, failures: FinalFailure[]): void {
    const now = this.clock.now();
    for (const f of failures) this.raise(activityFailedAlert(row, f, now));
  }

  /** At start: every live instance is watched again (they are read only when an SLA is set). */
  recover(liveInstances: () => InstanceRow[]): void {
    if (!this.slas) return;
    for (const row of liveInstances()) this.watchSla(row.instanceId, row.createdAt);
  }

  watchSla(instanceId: string, createdAt: number): void {
    if (!this.slas) return;
    this.slas.watch(instanceId, createdAt);
    this.scheduleWake();
  }

  /** Raises `instance-sla` for every instance that is past its SLA and still not ended. */
  checkSlas(): void {
    if (!this.slas) return;
    const now = this.clock.now();
    for (const due of this.slas.takeDue(now)) {
      const row = this.rowOf(due.instanceId);
      // Ended, or a new instance with the same id (watched on its own).
      if (!row || TERMINAL_STATUSES.has(row.status) || row.createdAt + this.slas.slaMs !== due.dueAt)
        continue;
      this.raise(instanceSlaAlert(row, this.slas.slaMs, now));
    }
    this.scheduleWake();
  }

  private raise(alert: HostAlert): void {
    try {
      this.sink?.emit(alert);
    } catch (err) {
      this.logger.error(
        { err, alert: alert.alert, instanceId: alert.instanceId },
        'could not raise an alert',
      );
    }
  }
}
