/**
 * POST /api/alerts: where the embedded host sends the alerts it raises itself (configured with
 * `SIGNOFF_ALERT_WEBHOOK=/api/alerts`): activity-failed and instance-sla. The host has logged the
 * alert already; this stores it and posts it to the ops channel. Function-level auth: the host
 * sends the function key when keys are on.
 *
 *   POST /api/alerts   {alert, instanceId, name, at, message, source, key, details}
 *                      → 202 {created, posted} | 400 naming the field
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { alertSchema } from '../../domain/alerts';
import { parseWith } from '../../domain/validation';
import { raiseAlert } from '../alerts/record';
import { invocationLog } from '../platform/log';
import { jsonBody } from './body';
import { guarded } from './guard';

const receiveAlert = guarded(async (request: HttpRequest, context: InvocationContext) => {
  const alert = parseWith(alertSchema, await jsonBody(request));
  const result = await raiseAlert(alert, invocationLog(context), { logLine: false });
  return { status: 202, jsonBody: result } satisfies HttpResponseInit;
});

app.http('alerts', {
  route: 'alerts',
  methods: ['POST'],
  authLevel: 'function',
  handler: receiveAlert,
});
