/**
 * The mock tenant of the Agents Playground: the committed `.m365agentsplayground.yml` (the
 * Playground's config schema 0.1.1: tenant, bot, `currentUser`, exactly five `users`, chats and a
 * team), and the per-user copies the harness runs one Playground each on.
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';

/** The committed mock tenant: tenant, bot, the requester (`currentUser`) and five approvers. */
export const PLAYGROUND_CONFIG = path.resolve(__dirname, '..', '..', '.m365agentsplayground.yml');

export interface MockUser {
  /** Short name used by tests: the given name, lower case (`patti`, `megan`, ...). */
  key: string;
  /** Channel account id (`from.id` in activities). */
  id: string;
  name: string;
  /** Entra ID object id (`from.aadObjectId`): what Signoff's policy calls the user's id. */
  aadObjectId: string;
  email: string;
  userPrincipleName: string;
  givenName: string;
  surname: string;
}

export interface MockTenant {
  tenantId: string;
  bot: { id: string; name: string };
  /** The file's `currentUser`: the one who asks for things. */
  requester: MockUser;
  /** Every user, requester first. */
  users: MockUser[];
  /** The raw file, for deriving per-user copies. */
  raw: Record<string, unknown>;
}

const USER_FIELDS = [
  'id',
  'name',
  'userPrincipleName',
  'aadObjectId',
  'givenName',
  'surname',
  'email',
] as const;

function readUser(value: unknown, where: string): MockUser {
  if (!value || typeof value !== 'object') throw new Error(`${where}: expected a user object`);
  const record = value as Record<string, unknown>;
  for (const field of USER_FIELDS) {
    if (typeof record[field] !== 'string' || record[field] === '')
      throw new Error(`${where}.${field}: expected a non-empty string`);
  }
  const u = record as Record<(typeof USER_FIELDS)[number], string>;
  return { key: u.givenName.toLowerCase(), ...u };
}

/** Reads the mock tenant from a Playground config file (default: the committed one). */
export function loadTenant(file = PLAYGROUND_CONFIG): MockTenant {
  const raw = YAML.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  const bot = raw.bot as { id?: unknown; name?: unknown } | undefined;
  if (typeof raw.tenantId !== 'string') throw new Error(`${file}: tenantId: expected a string`);
  if (!bot || typeof bot.id !== 'string' || typeof bot.name !== 'string')
    throw new Error(`${file}: bot: expected { id, name }`);
  if (!Array.isArray(raw.users)) throw new Error(`${file}: users: expected a list`);
  const requester = readUser(raw.currentUser, `${file}: currentUser`);
  const users = [requester, ...raw.users.map((u, i) => readUser(u, `${file}: users[${i}]`))];
  const keys = new Set(users.map((u) => u.key));
  if (keys.size !== users.length) throw new Error(`${file}: users' given names must be unique`);
  return { tenantId: raw.tenantId, bot: { id: bot.id, name: bot.name }, requester, users, raw };
}

/** The personal chat id of `user` in their own Playground. */
export function personalChatId(user: MockUser): string {
  return `a:signoff-personal-${user.key}`;
}

/** A copy of the tenant file in which `user` is the Playground's `currentUser`. */
export function configFor(tenant: MockTenant, user: MockUser): string {
  const strip = ({ key: _key, ...rest }: MockUser) => rest;
  const config = {
    ...tenant.raw,
    currentUser: strip(user),
    users: tenant.users.filter((u) => u.key !== user.key).map(strip),
    personalChat: { id: personalChatId(user) },
  };
  return YAML.stringify(config);
}
