/**
 * The dev issuer: what `--dev` runs instead of Entra ID, in the spirit of `dotnet user-jwts`.
 * Its RSA key is made once per data directory (`secrets/dev-issuer.json`) and never leaves it,
 * so a token from `signoff-host token --data DIR` is accepted only by a dev-mode host on DIR.
 * Tokens carry the claims an Entra ID v2 access token has (`oid`, `tid`, `name`,
 * `preferred_username`, `roles`), so the app reads them exactly as it reads Entra's.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import path from 'node:path';
import { importJWK, type JWK, SignJWT } from 'jose';
import { readOrCreateSecret, secretsDir } from './secrets';

export interface DevIssuerKey {
  /** The `iss` of its tokens. */
  issuer: string;
  kid: string;
  publicJwk: JWK;
  privateJwk: JWK;
}

export const DEV_ALG = 'RS256';
/** The audience of dev tokens when `SIGNOFF_AUTH_AUDIENCE` does not name one. */
export const DEFAULT_AUDIENCE = 'api://signoff';

export function loadDevIssuer(dataDir: string): DevIssuerKey {
  return readOrCreateSecret(path.join(secretsDir(dataDir), 'dev-issuer.json'), () => {
    const id = randomBytes(8).toString('hex');
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const kid = `dev-${id}`;
    return {
      issuer: `https://signoff.invalid/dev-issuer/${id}/v2.0`,
      kid,
      publicJwk: { ...(publicKey.export({ format: 'jwk' }) as JWK), kid, alg: DEV_ALG, use: 'sig' },
      privateJwk: { ...(privateKey.export({ format: 'jwk' }) as JWK), kid, alg: DEV_ALG },
    };
  });
}

export interface DevTokenClaims {
  /** The Entra object id (`oid`): what Teams calls `aadObjectId`. */
  oid: string;
  name?: string;
  /** `preferred_username`, usually the sign-in email. */
  username?: string;
  roles?: readonly string[];
  tenantId: string;
  audience: string;
  /** Seconds from now until the token expires (negative for an expired token, in tests). */
  validForSeconds: number;
}

/** Signs a token as the dev issuer. `now` is wall-clock time: tokens live outside the virtual clock. */
export async function mintDevToken(key: DevIssuerKey, claims: DevTokenClaims): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const payload: Record<string, unknown> = {
    oid: claims.oid,
    sub: claims.oid,
    tid: claims.tenantId,
    ver: '2.0',
  };
  if (claims.name) payload.name = claims.name;
  if (claims.username) payload.preferred_username = claims.username;
  if (claims.roles && claims.roles.length > 0) payload.roles = [...claims.roles];
  const signingKey = await importJWK(key.privateJwk, DEV_ALG);
  return new SignJWT(payload)
    .setProtectedHeader({ alg: DEV_ALG, kid: key.kid, typ: 'JWT' })
    .setIssuer(key.issuer)
    .setAudience(claims.audience)
    .setIssuedAt(now)
    .setNotBefore(now - 5)
    .setExpirationTime(now + claims.validForSeconds)
    .sign(signingKey);
}
