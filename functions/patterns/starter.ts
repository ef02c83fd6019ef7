/**
 * What every pattern shares: its HTTP starter (POST /api/patterns/<name> for a signed-in user,
 * JSON validated with zod, 400 naming the field and the rule, 202 with a status link), the
 * status route for the instances a user started (GET /api/patterns/instances/{id}), and the same
 * validation again inside the orchestrator for instances started by other clients.
 *
 * The status link is this app's own route, not the durable client's check-status URLs: those
 * carry the host's system key (as in Azure), which only administrators may hold.
 */

import { app } from '@azure/functions';
import * as df from 'durable-functions';
import type { z } from 'zod/v4';
import { isAdmin } from '../../domain/access';
import { isInstanceId, parseWith } from '../../domain/validation';
import { jsonBody } from '../http/body';
import { forUsers, problem } from '../http/guard';
import { readRow, table } from '../storage/tables';

/** Pattern inputs are checked with the app's boundary validation. */
export { ValidationError as PatternInputError } from '../../domain/validation';
export { jsonBody } from '../http/body';

export function parseInput<T>(schema: z.ZodType<T>, value: unknown): T {
  return parseWith(schema, value);
}

const client = df.input.durableClient();

export interface StarterOptions<T> {
  /** The route segment: POST /api/patterns/<route>. */
  route: string;
  /** The orchestrator the starter starts; the HTTP function is named `<orchestrator>Start`. */
  orchestrator: string;
  schema: z.ZodType<T>;
}

/** Who started each pattern instance (table `patternstarts`), for the status route. */
export const STARTS_TABLE = 'patternstarts';
const orchestrators = new Set<string>();

/** Registers POST /api/patterns/<route>: validate, start, answer 202 with the status link. */
export function registerStarter<T>(options: StarterOptions<T>): void {
  orchestrators.add(options.orchestrator);
  app.http(`${options.orchestrator}Start`, {
    route: `patterns/${options.route}`,
    methods: ['POST'],
    authLevel: 'anonymous',
    extraInputs: [client],
    handler: forUsers(async (request, context, caller) => {
      const input = parseInput(options.schema, await jsonBody(request));
      const durable = df.getClient(context);
      const instanceId = `${options.route}-${crypto.randomUUID()}`;
      const starts = await table(STARTS_TABLE);
      await starts.upsertEntity(
        { partitionKey: instanceId, rowKey: 'start', startedBy: caller.id },
        'Replace',
      );
      await durable.startNew(options.orchestrator, { instanceId, input });
      context.log(JSON.stringify({ msg: 'pattern started', orchestrator: options.orchestrator, instanceId }));
      const statusQueryGetUri = new URL(`/api/patterns/instances/${instanceId}`, request.url).href;
      return {
        status: 202,
        headers: { Location: statusQueryGetUri, 'Retry-After': '2' },
        jsonBody: { id: instanceId, statusQueryGetUri },
      };
    }),
  });
}

/** GET /api/patterns/instances/{id}: a pattern instance's progress, for whoever started it (or an admin). */
app.http('patternsStatus', {
  route: 'patterns/instances/{id}',
  methods: ['GET'],
  authLevel: 'anonymous',
  extraInputs: [client],
  handler: forUsers(async (request, context, caller) => {
    const id = request.params.id ?? '';
    const notFound = problem(404, `No pattern instance with id "${id}"`);
    if (!isInstanceId(id)) return notFound;
    const row = await readRow<{ startedBy?: string }>(await table(STARTS_TABLE), id, 'start');
    if (!row || (row.startedBy !== caller.id && !isAdmin(caller))) return notFound;
    let status: df.DurableOrchestrationStatus;
    try {
      status = await df.getClient(context).getStatus(id, { showInput: false });
    } catch {
      return notFound;
    }
    if (!orchestrators.has(status.name)) return notFound;
    return {
      status: status.runtimeStatus === 'Completed' || status.runtimeStatus === 'Failed' ? 200 : 202,
      jsonBody: {
        id,
        name: status.name,
        runtimeStatus: status.runtimeStatus,
        customStatus: status.customStatus ?? null,
        output: status.output ?? null,
        createdTime: status.createdTime,
        lastUpdatedTime: status.lastUpdatedTime,
      },
    };
  }),
});
