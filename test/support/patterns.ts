/**
 * Shared by the workflow pattern tests: start a pattern through its HTTP starter, as a user
 * would, and wait for the instance to finish.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { InstanceStatus, TestHost } from '../../host/testing';

export interface CheckStatus {
  id: string;
  statusQueryGetUri: string;
}

/**
 * POST /api/patterns/<route> as Patti; expects 202 with the instance id and a status link, which
 * answers her (and only her) and carries no key.
 */
export async function startPattern(host: TestHost, route: string, body: unknown): Promise<string> {
  const res = await host.as('patti').post<CheckStatus>(`/api/patterns/${route}`, body);
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  expect(res.body.id).toMatch(/\S/);
  expect(res.headers.get('location')).toBe(res.body.statusQueryGetUri);
  expect(res.body.statusQueryGetUri).toContain(`/instances/${res.body.id}`);
  expect(res.body.statusQueryGetUri).not.toContain('code=');
  const path = new URL(res.body.statusQueryGetUri).pathname;
  expect((await host.as('patti').get<{ id: string }>(path)).body.id).toBe(res.body.id);
  expect((await host.as('megan').get(path)).status).toBe(404);
  return res.body.id;
}

/** Waits until the instance has finished (Completed or Failed) and returns its status. */
export async function finished(host: TestHost, id: string): Promise<InstanceStatus> {
  return host.client.waitFor(id, ['Completed', 'Failed', 'Terminated']);
}

/** Starts a pattern and returns its output, failing the test unless the instance completed. */
export async function run<T>(
  host: TestHost,
  route: string,
  body: unknown,
): Promise<{ id: string; output: T }> {
  const id = await startPattern(host, route, body);
  const status = await finished(host, id);
  expect(status.runtimeStatus, JSON.stringify(status.output)).toBe('Completed');
  return { id, output: status.output as T };
}

/** The names of the activities an instance ran to completion, in order (from the history). */
export function activitiesRun(status: InstanceStatus): string[] {
  return (status.historyEvents ?? [])
    .filter((e) => e.EventType === 'TaskCompleted')
    .map((e) => String(e.FunctionName));
}

/** A name no other test run uses, for table partitions shared across test files. */
export const unique = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 8)}`;
