/**
 * The host as the platform's authentication (App Service Authentication in Azure), with an app
 * that knows nothing of Signoff (test/fixtures/basic-app): tokens of the dev issuer and of a real
 * OpenID issuer on loopback are validated, the app gets the principal headers and `request.user`,
 * client-sent principal headers never reach it, and the host's own surface opens only to the
 * system key, an admin token or a dashboard session.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../host/azurite';
import { startTestHost, type TestHost } from '../host/testing';
import { startIssuer, type TestIssuer } from './support/issuer';

const APP = 'test/fixtures/basic-app';
const BIN = path.resolve('host/bin/signoff-host.cjs');
const MEGAN = '00000000-0000-0000-0000-00000000a001';
const ADMIN = '00000000-0000-0000-0000-0000000000ad';
const run = promisify(execFile);

interface WhoAmI {
  user: null | { type: string; id: string; username: string; identityProvider: string };
  headers: Record<string, string>;
  authorization: string | null;
}

const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'signoff-auth-'));
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** `npx signoff-host token ...`, as a developer runs it. */
async function tokenCli(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, 'token', ...args], {
      env: { ...process.env, SIGNOFF_AUTH_ISSUER: '', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('dev mode', () => {
  let host: TestHost;

  beforeAll(async () => {
    host = await startTestHost({ app: APP });
  });

  afterAll(async () => {
    await host?.stop();
  });

  it('says at start that dev auth is on, with the system key and a dashboard link', () => {
    const banner = host.logs.join('\n');
    expect(banner).toContain('Dev auth is ON');
    expect(banner).toContain(`System key: ${host.systemKey}`);
    expect(banner).toContain(`/_dashboard/?code=${encodeURIComponent(host.systemKey)}`);
  });

  it('accepts a token from `signoff-host token` for its data directory, and the app sees the principal', async () => {
    const cli = await tokenCli(['--user', 'megan', '--data', host.options.dataDir, '--roles', 'Ops.Admin']);
    expect(cli.code, cli.stderr).toBe(0);
    const token = cli.stdout.trim();
    expect(token.split('.')).toHaveLength(3);

    const res = await host.get<WhoAmI>('/api/whoami', bearer(token));
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({
      type: 'AppService',
      id: MEGAN,
      username: 'megan@contoso.example',
      identityProvider: 'aad',
    });
    const principal = JSON.parse(
      Buffer.from(res.body.headers['x-ms-client-principal'] ?? '', 'base64').toString(),
    );
    const claim = (typ: string) =>
      principal.claims.filter((c: { typ: string }) => c.typ === typ).map((c: { val: string }) => c.val);
    expect(principal.auth_typ).toBe('aad');
    expect(claim('http://schemas.microsoft.com/identity/claims/objectidentifier')).toEqual([MEGAN]);
    expect(claim('name')).toEqual(['Megan Bowen']);
    expect(claim('roles')).toEqual(['Ops.Admin']);
    // An admin token of the app's admin role opens the host's own surface.
    expect((await host.get('/admin/clock', bearer(token))).status).toBe(200);
  });

  it('refuses a token of another data directory, and the CLI explains its mistakes', async () => {
    const other = tempDir();
    const foreign = (await tokenCli(['--user', MEGAN, '--data', other])).stdout.trim();
    const res = await host.get<{ problem: string }>('/api/whoami', bearer(foreign));
    expect(res.status).toBe(401);
    expect(res.body.problem).toBe('wrong-issuer');

    const unknown = await tokenCli(['--user', 'nobody', '--data', other]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('"nobody" is neither a known alias (patti, megan');
    const missing = await tokenCli(['--data', other]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('token needs --user');
    const withIssuer = await tokenCli(['--user', 'megan'], {
      SIGNOFF_AUTH_ISSUER: 'https://login.example/t/v2.0',
    });
    expect(withIssuer.code).toBe(2);
    expect(withIssuer.stderr).toContain('SIGNOFF_AUTH_ISSUER is set');
  });

  it('never lets a client set the principal headers', async () => {
    const forged = Buffer.from(
      JSON.stringify({
        auth_typ: 'aad',
        claims: [{ typ: 'roles', val: 'Ops.Admin' }],
        name_typ: 'name',
        role_typ: 'roles',
      }),
    ).toString('base64');
    const spoof = {
      'x-ms-client-principal': forged,
      'x-ms-client-principal-id': ADMIN,
      'x-ms-client-principal-name': 'admin@contoso.example',
      'X-MS-CLIENT-PRINCIPAL-IDP': 'aad',
    };
    const anonymous = await host.get<WhoAmI>('/api/whoami', spoof);
    expect(anonymous.body).toMatchObject({ user: null, headers: {} });
    const signedIn = await host.get<WhoAmI>('/api/whoami', { ...spoof, ...bearer(await host.token(MEGAN)) });
    expect(signedIn.body.user?.id).toBe(MEGAN);
    expect(signedIn.body.headers['x-ms-client-principal-id']).toBe(MEGAN);
    // Nor does a spoofed principal open the host's surface.
    expect((await host.get('/admin/clock', spoof)).status).toBe(401);
  });

  it('leaves the Authorization header of excluded paths to the app', async () => {
    const res = await host.get<WhoAmI>('/api/raw/whoami', { authorization: 'Bearer not-a-jwt' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ user: null, authorization: 'Bearer not-a-jwt' });
    expect((await host.get('/api/whoami', { authorization: 'Bearer not-a-jwt' })).status).toBe(401);
  });

  it('signs the dashboard in with the key once, then by an HttpOnly cookie that cannot act cross-site', async () => {
    expect((await host.get('/_dashboard/')).status).toBe(401);
    expect((await host.get('/_dashboard/?code=wrong')).status).toBe(401);
    const signIn = await fetch(
      `${host.url}/_dashboard/?code=${encodeURIComponent(host.systemKey)}&view=list`,
      {
        redirect: 'manual',
      },
    );
    expect(signIn.status).toBe(303);
    expect(signIn.headers.get('location')).toBe('/_dashboard/?view=list');
    const cookie = signIn.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const session = { cookie: cookie.split(';')[0] as string };
    expect((await host.get('/_dashboard/', session)).status).toBe(200);
    expect((await host.get('/_dashboard/app/main.js', session)).status).toBe(200);
    expect((await host.get('/runtime/webhooks/durabletask/instances', session)).status).toBe(200);
    // It opens the app's admin-level functions too (the dashboard's app views), as the key does.
    expect((await host.get('/api/client-binding')).status).toBe(401);
    expect((await host.get('/api/client-binding', session)).status).toBe(200);
    const { id } = await host.client.start('status');
    const crossSite = await host.post(`/runtime/webhooks/durabletask/instances/${id}/terminate`, undefined, {
      ...session,
      origin: 'https://evil.example',
    });
    expect(crossSite.status).toBe(403);
    const sameSite = await host.post(`/runtime/webhooks/durabletask/instances/${id}/terminate`, undefined, {
      ...session,
      origin: host.url,
    });
    expect(sameSite.status).toBe(202);
    const tampered = { cookie: session.cookie.replace(/.$/, (c) => (c === 'a' ? 'b' : 'a')) };
    expect((await host.get('/_dashboard/', tampered)).status).toBe(401);
  });
});

describe('an OpenID issuer (Entra ID in Azure)', () => {
  let issuer: TestIssuer;
  let host: TestHost;
  const AUDIENCE = 'api://basic-app';
  const ALLOWED = '00000000-0000-0000-0000-0000000000c0';

  beforeAll(async () => {
    issuer = await startIssuer(AUDIENCE);
    host = await startTestHost({
      app: APP,
      dev: false,
      env: {
        SIGNOFF_AUTH_ISSUER: issuer.url,
        SIGNOFF_AUTH_AUDIENCE: AUDIENCE,
        SIGNOFF_ALLOWED_TENANTS: ALLOWED,
      },
    });
  });

  afterAll(async () => {
    await host?.stop();
    await issuer?.stop();
  });

  it('validates through discovery and passes the user on; other tenants and dev tokens are refused', async () => {
    expect(host.logs.join('\n')).toContain(`Users: bearer tokens from ${issuer.url} for ${AUDIENCE}`);
    expect(host.logs.join('\n')).not.toContain(host.systemKey);
    const ok = await host.get<WhoAmI>(
      '/api/whoami',
      bearer(await issuer.token({ oid: MEGAN, name: 'Megan Bowen' })),
    );
    expect(ok.status).toBe(200);
    expect(ok.body.user?.id).toBe(MEGAN);
    const otherTenant = await host.get<{ problem: string }>(
      '/api/whoami',
      bearer(await issuer.token({ oid: MEGAN, tid: '00000000-0000-0000-0000-0000000000ff' })),
    );
    expect(otherTenant).toMatchObject({ status: 401, body: { problem: 'tenant-not-allowed' } });
    const devToken = await host.get('/api/whoami', bearer(await host.token(MEGAN)));
    expect(devToken.status).toBe(401);
    const admin = bearer(await issuer.token({ oid: ADMIN, roles: ['Ops.Admin'] }));
    expect((await host.get('/runtime/webhooks/durabletask/instances', admin)).status).toBe(200);
    expect(
      (await host.get('/runtime/webhooks/durabletask/instances', bearer(await issuer.token({ oid: MEGAN }))))
        .status,
    ).toBe(403);
  });
});

describe('without an identity provider', () => {
  it('runs without users when neither an issuer nor --dev is given, and refuses tokens', async () => {
    const host = await startTestHost({ app: APP, dev: false });
    try {
      expect(host.logs.join('\n')).toContain('no identity provider');
      expect(host.logs.join('\n')).toContain(`System key: from SIGNOFF_SYSTEM_KEY`);
      expect((await host.get<WhoAmI>('/api/whoami')).body.user).toBeNull();
      const res = await host.get<{ error: string }>('/api/whoami', bearer('a.b.c'));
      expect(res.status).toBe(401);
    } finally {
      await host.stop();
    }
  });

  it('answers 503 while the issuer cannot be reached, and keeps serving', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const host = await startTestHost({
      app: APP,
      dev: false,
      env: { SIGNOFF_AUTH_ISSUER: closed, SIGNOFF_AUTH_AUDIENCE: 'api://x' },
    });
    try {
      const issuer = await startIssuer('api://x');
      const token = await issuer.token({ oid: MEGAN });
      await issuer.stop();
      // A token naming the unreachable issuer.
      const forClosed = token.split('.');
      const payload = JSON.parse(Buffer.from(forClosed[1] as string, 'base64url').toString());
      forClosed[1] = Buffer.from(JSON.stringify({ ...payload, iss: closed })).toString('base64url');
      const res = await host.get<{ problem: string }>('/api/whoami', bearer(forClosed.join('.')));
      expect(res).toMatchObject({ status: 503, body: { problem: 'issuer-unreachable' } });
      expect((await host.get('/api/hello/still')).status).toBe(200);
    } finally {
      await host.stop();
    }
  });
});
