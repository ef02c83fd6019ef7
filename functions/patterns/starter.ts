/**
 * What every pattern shares: its HTTP starter (POST /api/patterns/<name>, JSON validated with
 * zod, 400 naming the field and the rule, 202 with the durable client's check-status links),
 * the same validation again inside the orchestrator for instances started by other clients,
 * and a little Azure Table plumbing for idempotent activities.
 */

import type { TableClient } from '@azure/data-tables';
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import type { z } from 'zod/v4';
import { badRequest, jsonBody, parseWith } from '../validation';

/** Pattern inputs are checked with the app's boundary validation. */
export { badRequest, jsonBody, ValidationError as PatternInputError } from '../validation';

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

/** Registers POST /api/patterns/<route>: validate, start, answer 202 with the status links. */
export function registerStarter<T>(options: StarterOptions<T>): void {
  app.http(`${options.orchestrator}Start`, {
    route: `patterns/${options.route}`,
    methods: ['POST'],
    authLevel: 'anonymous',
    extraInputs: [client],
    handler: async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
      let input: T;
      try {
        input = parseInput(options.schema, await jsonBody(request));
      } catch (error) {
        return badRequest(error);
      }
      const durable = df.getClient(context);
      const instanceId = await durable.startNew(options.orchestrator, { input });
      context.log(JSON.stringify({ msg: 'pattern started', orchestrator: options.orchestrator, instanceId }));
      return durable.createCheckStatusResponse(request, instanceId);
    },
  });
}

// ---- Azure Table helpers for activities ------------------------------------------------

export const statusCodeOf = (error: unknown): number | undefined =>
  (error as { statusCode?: number } | null)?.statusCode;

/** Another writer got there first (entity exists, or its ETag changed). */
export const isConflict = (error: unknown): boolean => {
  const code = statusCodeOf(error);
  return code === 409 || code === 412;
};

/** Too many concurrent writers on one row; the activity fails and its retry policy decides. */
export class StorageContentionError extends Error {
  readonly code = 'STORAGE_CONTENTION';
  constructor(what: string) {
    super(`Gave up updating ${what} after repeated concurrent changes`);
    this.name = 'StorageContentionError';
  }
}

/** One row, or undefined when there is none. */
export async function readRow<T extends object>(
  client: TableClient,
  partitionKey: string,
  rowKey: string,
): Promise<(T & { etag: string }) | undefined> {
  try {
    return await client.getEntity<T>(partitionKey, rowKey);
  } catch (error) {
    if (statusCodeOf(error) === 404) return undefined;
    throw error;
  }
}
