/**
 * host/auth/: the platform's authentication and keys, as App Service Authentication and the
 * Functions host's keys provide them in Azure.
 *
 * The platform's part in authentication, as App Service Authentication ("Easy Auth") plays it in
 * Azure: bearer tokens are validated here, never by the app, and the app gets the principal as
 * headers. Three modes:
 * - `issuer`: tokens from `SIGNOFF_AUTH_ISSUER` (e.g. Entra ID), discovered through its OpenID
 *   metadata (or `SIGNOFF_AUTH_METADATA_URL`), for `SIGNOFF_AUTH_AUDIENCE`;
 * - `dev` (`--dev` with no issuer set): tokens from this data directory's dev issuer
 *   (`signoff-host token`);
 * - `none`: no identity provider; requests reach the app without a user.
 * As with Easy Auth's "allow unauthenticated requests", a request without a token goes on
 * without a principal; a request with a bad token is refused with 401.
 */
import path from 'node:path';
import type { JWTPayload } from 'jose';
import { HostError } from '../common/errors';
import { DEFAULT_AUDIENCE, type DevIssuerKey, loadDevIssuer } from './devIssuer';
import { type DevUsers, readDevUsers } from './devUsers';
import { rolesOf } from './principal';
import { metadataUrlOf, TokenError, TokenValidator } from './tokens';

export type AuthMode = 'issuer' | 'dev' | 'none';

export interface PlatformAuthOptions {
  dataDir: string;
  dev: boolean;
  adminRoles: string[];
  excludedPaths: string[];
  devUsersFile?: string;
  env?: NodeJS.ProcessEnv;
}

const list = (v: string | undefined) =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** A setting of the platform's authentication is missing or wrong; the message names it. */
export class AuthConfigError extends HostError {
  readonly code = 'AUTH_CONFIG';
  readonly retryable = false;
}

export class PlatformAuth {
  readonly mode: AuthMode;
  readonly validator: TokenValidator | undefined;
  readonly devIssuer: DevIssuerKey | undefined;
  readonly devUsers: DevUsers;
  readonly audiences: string[];

  constructor(private readonly options: PlatformAuthOptions) {
    const env = options.env ?? process.env;
    const issuer = env.SIGNOFF_AUTH_ISSUER?.trim();
    const allowedTenants = list(env.SIGNOFF_ALLOWED_TENANTS);
    this.devUsers = readDevUsers(options.devUsersFile);
    this.audiences = list(env.SIGNOFF_AUTH_AUDIENCE);
    if (issuer) {
      if (this.audiences.length === 0) {
        throw new AuthConfigError(
          'SIGNOFF_AUTH_AUDIENCE must name the app (its client id or Application ID URI) when SIGNOFF_AUTH_ISSUER is set',
        );
      }
      this.mode = 'issuer';
      this.validator = new TokenValidator({
        issuer,
        audiences: this.audiences,
        allowedTenants,
        keys: { metadataUrl: env.SIGNOFF_AUTH_METADATA_URL?.trim() || metadataUrlOf(issuer) },
      });
    } else if (options.dev) {
      this.mode = 'dev';
      if (this.audiences.length === 0) this.audiences = [DEFAULT_AUDIENCE];
      this.devIssuer = loadDevIssuer(options.dataDir);
      this.validator = new TokenValidator({
        issuer: this.devIssuer.issuer,
        audiences: this.audiences,
        allowedTenants,
        keys: { jwks: [this.devIssuer.publicJwk] },
      });
    } else {
      this.mode = 'none';
    }
  }

  get issuer(): string | undefined {
    return this.validator?.options.issuer;
  }

  /** Paths where the `Authorization` header is the app's business (e.g. a bot's Bot Framework token). */
  isExcluded(pathname: string): boolean {
    const lower = pathname.toLowerCase();
    return this.options.excludedPaths.some((p) => {
      const prefix = p.toLowerCase().replace(/\/+$/, '');
      return lower === prefix || lower.startsWith(`${prefix}/`);
    });
  }

  /**
   * The verified claims of the request's bearer token; undefined without one, or where tokens are
   * not validated. Throws a {@link TokenError} for a token that does not verify.
   */
  async identify(authorization: string | undefined, pathname: string): Promise<JWTPayload | undefined> {
    if (!authorization || this.isExcluded(pathname)) return undefined;
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!m) return undefined;
    if (!this.validator) {
      throw new TokenError('wrong-issuer', 'This host has no identity provider (set SIGNOFF_AUTH_ISSUER)');
    }
    return this.validator.validate(m[1] as string);
  }

  isAdmin(claims: JWTPayload | undefined): boolean {
    if (!claims) return false;
    const roles = rolesOf(claims);
    return this.options.adminRoles.some((r) => roles.includes(r));
  }

  get adminRoles(): readonly string[] {
    return this.options.adminRoles;
  }

  /** Banner lines: how users are authenticated. */
  describe(): string[] {
    switch (this.mode) {
      case 'issuer':
        return [`Users: bearer tokens from ${this.issuer} for ${this.audiences.join(', ')}`];
      case 'dev': {
        const data = path.resolve(this.options.dataDir);
        const dataFlag = data === path.resolve('.data') ? '' : ` --data ${data}`;
        return [
          'Dev auth is ON: tokens from the local dev issuer of this data directory, not Entra ID.',
          `  Get one with: npx signoff-host token --user <alias or object id>${dataFlag}${aliasHint(this.devUsers)}`,
        ];
      }
      case 'none':
        return [
          'Users: no identity provider (SIGNOFF_AUTH_ISSUER unset, no --dev): requests reach the app without a user',
        ];
    }
  }
}

function aliasHint(users: DevUsers): string {
  const aliases = Object.keys(users.users);
  return aliases.length > 0 ? ` (aliases: ${aliases.join(', ')})` : '';
}

export { TokenError } from './tokens';
