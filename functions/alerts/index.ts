/**
 * Alerts: one record shape (record.ts) for the host's alerts (activity failed after its last
 * attempt, instance past its SLA), the approval SLA and the onboarding monitor's; the log line,
 * the "alerts" table and the ops channel; and POST /api/alerts, where the host sends its own.
 */
import './http';

export { ALERTS_TABLE, raiseAlert, setAlertChannel } from './record';
