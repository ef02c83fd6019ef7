/**
 * The people of a dev-mode tenant: aliases for `signoff-host token --user <alias>`, read from the
 * file the app names in its package.json (`"signoff-host": {"auth": {"devUsers": "..."}}`).
 * Anyone else can be named by object id.
 */
import fs from 'node:fs';
import { z } from 'zod/v4';
import { HostError } from '../common/errors';

const devUserSchema = z
  .object({
    id: z.string().min(1),
    name: z.string().min(1),
    email: z.string().min(3).optional(),
    roles: z.array(z.string().min(1)).default([]),
  })
  .strict();

const devUsersSchema = z
  .object({
    $comment: z.string().optional(),
    tenantId: z.string().min(1),
    users: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/, 'aliases are lower-case words'), devUserSchema),
  })
  .strict();

export type DevUser = z.infer<typeof devUserSchema>;
export type DevUsers = z.infer<typeof devUsersSchema>;

/** The tenant of dev tokens when no dev users file names one. */
export const DEV_TENANT = '00000000-0000-0000-0000-0000000000c0';

export class DevUsersError extends HostError {
  readonly code = 'DEV_USERS';
  readonly retryable = false;
}

export function readDevUsers(file: string | undefined): DevUsers {
  if (!file) return { tenantId: DEV_TENANT, users: {} };
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new DevUsersError(`${file}: ${(error as Error).message}`);
  }
  const parsed = devUsersSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`);
    throw new DevUsersError(`${file} is not a dev users file: ${problems.join('; ')}`);
  }
  return parsed.data;
}

/**
 * An alias of the file, or an object id (anyone, with the name given or the id as name).
 * Aliases match case-insensitively.
 */
export function resolveDevUser(users: DevUsers, aliasOrId: string): DevUser & { alias?: string } {
  const key = aliasOrId.trim().toLowerCase();
  const known = users.users[key];
  if (known) return { ...known, alias: key };
  const byId = Object.entries(users.users).find(([, u]) => u.id.toLowerCase() === key);
  if (byId) return { ...byId[1], alias: byId[0] };
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(aliasOrId.trim())) {
    const aliases = Object.keys(users.users);
    throw new DevUsersError(
      `"${aliasOrId}" is neither a known alias${aliases.length ? ` (${aliases.join(', ')})` : ''} nor an object id (a GUID)`,
    );
  }
  return { id: aliasOrId.trim(), name: aliasOrId.trim(), roles: [] };
}
