/**
 * The dev tenant is one set of people: every person the bundled policy names and every user of
 * the Agents Playground config has a dev-users alias with the same object id, name and email, in
 * the same tenant, so a token from `signoff-host token --user megan` is the Megan the policy asks
 * and the Playground shows.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPolicy } from '../functions/approvals/policyFile';
import { readHostAuthSettings } from '../host/app';
import { readDevUsers } from '../host/auth/devUsers';
import { loadTenant } from './e2e/tenant';

const ROOT = path.resolve(__dirname, '..');
const devUsers = readDevUsers(readHostAuthSettings(ROOT).devUsers);

describe('dev users', () => {
  it('include every person of the bundled policy, by the same key', () => {
    const policy = loadPolicy({});
    for (const user of policy.users()) {
      const alias = Object.entries(devUsers.users).find(([, u]) => u.id === user.id);
      expect(alias, user.name).toBeDefined();
      expect(alias?.[1]).toMatchObject({ name: user.name, email: user.email });
    }
  });

  it('include every Playground user, in the Playground tenant', () => {
    const tenant = loadTenant();
    expect(devUsers.tenantId).toBe(tenant.tenantId);
    for (const user of tenant.users) {
      expect(devUsers.users[user.key], user.key).toMatchObject({
        id: user.aadObjectId,
        name: user.name,
        email: user.email,
      });
    }
  });

  it('give the admin role to admins only', () => {
    const admins = Object.entries(devUsers.users)
      .filter(([, u]) => u.roles.includes('Approvals.Admin'))
      .map(([alias]) => alias);
    expect(admins).toEqual(['isaiah']);
  });
});
