import { app } from '@azure/functions';

/** Liveness probe for load balancers and the README's smoke check. */
app.http('health', {
  methods: ['GET'],
  authLevel: 'anonymous',
  route: 'health',
  handler: async () => ({ jsonBody: { status: 'ok', service: 'signoff' } }),
});
