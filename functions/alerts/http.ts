/**
 * POST /api/alerts: where the embedded host sends the alerts it raises itself (configured with
 * `SIGNOFF_ALERT_WEBHOOK=/api/alerts`): activity-failed and instance-sla. The host has logged the
 * alert already; this stores it and posts it to the ops channel. Function-level auth: the host
 * sends the function key when keys are on.
 *
 *   POST /api/alerts   {alert, instanceId, name, at, message, source, key, details}
 *                      → 202 {created, posted} | 400 naming the field
 */
import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { badRequest, jsonBody, parseWith } from '../validation';
import { alertSchema, raiseAlert } from './record';

export async function receiveAlert(request: HttpRequest): Promise<HttpResponseInit> {
  let alert: ReturnType<typeof alertSchema.parse>;
  try {
    alert = parseWith(alertSchema, await jsonBody(request));
  } catch (error) {
    return badRequest(error);
  }
  const result = await raiseAlert(alert, { log: false });
  return { status: 202, jsonBody: result };
}

app.http('alerts', {
  route: 'alerts',
  methods: ['POST'],
  authLevel: 'function',
  handler: receiveAlert,
});
