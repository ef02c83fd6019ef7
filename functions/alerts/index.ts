/**
 * Alerts: raising one (record.ts) for the host's alerts (activity failed after its last attempt,
 * instance past its SLA; they arrive at POST /api/alerts, http/alerts.ts), the approval SLA and
 * the onboarding monitor's: the log line, the "alerts" table and the ops channel.
 */
export { ALERTS_TABLE, raiseAlert, setAlertChannel } from './record';
