/**
 * The host's keys, as the Functions host keeps them: a system key (Azure's master key and the
 * Durable extension's `durabletask_extension` key in one: the management API, `/admin/*` and the
 * dashboard) and a default function key (`authLevel: 'function'` triggers). Each comes from its
 * setting (`SIGNOFF_SYSTEM_KEY`, `SIGNOFF_FUNCTION_KEY`) or, when that is unset, is generated once
 * and kept in the data directory (`secrets/host.json`, readable by its owner only), as Azure keeps
 * generated keys in the app's storage.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface HostKeys {
  systemKey: string;
  functionKey: string;
  /** Where the generated keys are kept (whether or not a setting overrides them). */
  file: string;
  /** Which keys came from the data directory rather than a setting. */
  generated: { systemKey: boolean; functionKey: boolean };
}

export const secretsDir = (dataDir: string): string => path.join(dataDir, 'secrets');

/** A new random key: 32 bytes, base64url (43 characters, safe in a query string). */
export function newKey(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Reads a JSON file of secrets, creating it with `create()` when absent. Creation is exclusive
 * (`wx`), so two processes starting at once agree on one value: the loser reads the winner's.
 */
export function readOrCreateSecret<T>(file: string, create: () => T): T {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const value = create();
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  fs.writeFileSync(temp, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  try {
    fs.linkSync(temp, file);
    return value;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } finally {
    fs.rmSync(temp, { force: true });
  }
}

export function loadHostKeys(dataDir: string, env: NodeJS.ProcessEnv = process.env): HostKeys {
  const file = path.join(secretsDir(dataDir), 'host.json');
  const stored = readOrCreateSecret(file, () => ({ systemKey: newKey(), functionKey: newKey() }));
  const fromEnv = (name: string) => env[name]?.trim() || undefined;
  const systemKey = fromEnv('SIGNOFF_SYSTEM_KEY');
  const functionKey = fromEnv('SIGNOFF_FUNCTION_KEY');
  return {
    systemKey: systemKey ?? stored.systemKey,
    functionKey: functionKey ?? stored.functionKey,
    file,
    generated: { systemKey: systemKey === undefined, functionKey: functionKey === undefined },
  };
}

/** Compares two secrets in time that does not depend on where they differ (or on their lengths). */
export function sameSecret(given: string | undefined, expected: string): boolean {
  if (given === undefined || given === '') return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
