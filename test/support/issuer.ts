/**
 * A real OpenID Connect issuer on loopback (oauth2-mock-server): OpenID metadata, a JWKS with an
 * RS256 key, and signed tokens shaped like Entra ID v2 access tokens. Entra ID itself cannot be
 * reached here; the host validates these tokens exactly as it validates Entra's (discovery,
 * signature, issuer, audience, lifetime, tenant).
 */
import { generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { OAuth2Server } from 'oauth2-mock-server';

export interface EntraLikeClaims {
  oid: string;
  name?: string;
  preferred_username?: string;
  tid?: string;
  roles?: string[];
  aud?: string;
}

export interface TestIssuer {
  /** The issuer URL (`iss`), whose metadata is at `<url>/.well-known/openid-configuration`. */
  url: string;
  kid: string;
  /** A token signed by this issuer; `expiresIn` in seconds (negative: already expired). */
  token(claims: EntraLikeClaims, options?: { expiresIn?: number }): Promise<string>;
  /** A token of this issuer with exactly these claims (besides iss, iat, nbf, exp, jti). */
  sign(claims: JWTPayload): Promise<string>;
  /** A token that claims to be this issuer's (same `iss` and `kid`) but is signed by another key. */
  forged(claims: EntraLikeClaims): Promise<string>;
  stop(): Promise<void>;
}

export const TEST_TENANT = '00000000-0000-0000-0000-0000000000c0';

export async function startIssuer(audience: string): Promise<TestIssuer> {
  const server = new OAuth2Server();
  const key = await server.issuer.keys.generate('RS256');
  await server.start(0, '127.0.0.1');
  const url = server.issuer.url as string;
  const payloadOf = (claims: EntraLikeClaims): JWTPayload => ({
    tid: TEST_TENANT,
    ver: '2.0',
    sub: claims.oid,
    ...claims,
    aud: claims.aud ?? audience,
  });
  return {
    url,
    kid: key.kid,
    token: (claims, options = {}) =>
      server.issuer.buildToken({
        kid: key.kid,
        expiresIn: options.expiresIn ?? 3600,
        scopesOrTransform: (_header, payload) => {
          Object.assign(payload, payloadOf(claims));
        },
      }),
    sign: (claims) =>
      server.issuer.buildToken({
        kid: key.kid,
        scopesOrTransform: (_header, payload) => {
          delete payload.scope;
          delete payload.sub;
          delete payload.aud;
          Object.assign(payload, claims);
        },
      }),
    async forged(claims) {
      const other = await generateKeyPair('RS256');
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT(payloadOf(claims))
        .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' })
        .setIssuer(url)
        .setIssuedAt(now)
        .setNotBefore(now)
        .setExpirationTime(now + 3600)
        .sign(other.privateKey);
    },
    stop: () => server.stop(),
  };
}
