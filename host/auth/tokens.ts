/**
 * Bearer token validation, as App Service Authentication does it for Entra ID: the signature by
 * a key from the issuer's JWKS (found through its OpenID metadata), then `iss`, `aud`,
 * `exp`/`nbf` with a minute of clock skew, and the tenant (`tid`) against an allow-list when one
 * is set. Validation uses wall-clock time: tokens are the platform's, not the durable clock's.
 */
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeJwt,
  errors,
  type JWK,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
} from 'jose';
import { HostError } from '../common/errors';

export type TokenProblem =
  | 'malformed'
  | 'expired'
  | 'not-yet-valid'
  | 'bad-signature'
  | 'wrong-issuer'
  | 'wrong-audience'
  | 'tenant-not-allowed'
  | 'issuer-unreachable';

/**
 * A token was refused; `problem` says why (answered 401, or 503 when the issuer cannot be reached).
 * Retryable when the same token can pass later: the issuer was unreachable, or it is not valid yet.
 */
export class TokenError extends HostError {
  readonly code = 'INVALID_TOKEN';
  readonly retryable: boolean;

  constructor(
    readonly problem: TokenProblem,
    message: string,
  ) {
    super(message);
    this.retryable = problem === 'issuer-unreachable' || problem === 'not-yet-valid';
  }
}

export interface TokenValidatorOptions {
  issuer: string;
  audiences: string[];
  /** When non-empty, only tokens whose `tid` is listed. */
  allowedTenants: string[];
  /** Where the signing keys come from: the issuer's OpenID metadata, or keys held locally (dev issuer). */
  keys: { metadataUrl: string } | { jwks: JWK[] };
  clockToleranceSeconds?: number;
}

const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'];
const FETCH_TIMEOUT_MS = 5_000;

/** The OpenID metadata document of an issuer (`<issuer>/.well-known/openid-configuration`). */
export function metadataUrlOf(issuer: string): string {
  return `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
}

export class TokenValidator {
  private keySet: Promise<JWTVerifyGetKey> | undefined;

  constructor(readonly options: TokenValidatorOptions) {}

  /** Fetches the issuer's metadata ahead of the first request; a failure is retried on use. */
  async warmUp(): Promise<void> {
    await this.keys();
  }

  /** The verified claims of `token`, or a {@link TokenError} naming the problem. */
  async validate(token: string): Promise<JWTPayload> {
    const o = this.options;
    let unverified: JWTPayload;
    try {
      unverified = decodeJwt(token);
    } catch {
      throw new TokenError('malformed', 'The bearer token is not a JWT');
    }
    // Claims first, for an answer that says what is wrong; nothing is accepted before the signature.
    if (unverified.iss !== o.issuer) {
      throw new TokenError('wrong-issuer', `The token's issuer is not ${o.issuer}`);
    }
    const keys = await this.keys();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: o.issuer,
        audience: o.audiences,
        algorithms: ALGORITHMS,
        clockTolerance: o.clockToleranceSeconds ?? 60,
        requiredClaims: ['exp'],
      }));
    } catch (error) {
      throw toTokenError(error, o);
    }
    if (o.allowedTenants.length > 0) {
      const tid = typeof payload.tid === 'string' ? payload.tid.toLowerCase() : '';
      if (!o.allowedTenants.some((t) => t.toLowerCase() === tid)) {
        throw new TokenError('tenant-not-allowed', `Tenant ${tid || '(none)'} is not allowed here`);
      }
    }
    return payload;
  }

  private keys(): Promise<JWTVerifyGetKey> {
    const source = this.options.keys;
    if ('jwks' in source) {
      this.keySet ??= Promise.resolve(createLocalJWKSet({ keys: source.jwks }));
      return this.keySet;
    }
    this.keySet ??= discover(source.metadataUrl).catch((error: unknown) => {
      this.keySet = undefined;
      throw error;
    });
    return this.keySet;
  }
}

async function discover(metadataUrl: string): Promise<JWTVerifyGetKey> {
  let metadata: { jwks_uri?: unknown };
  try {
    const res = await fetch(metadataUrl, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    metadata = (await res.json()) as { jwks_uri?: unknown };
  } catch (error) {
    throw new TokenError(
      'issuer-unreachable',
      `The identity provider's metadata (${metadataUrl}) could not be read: ${(error as Error).message}`,
    );
  }
  if (typeof metadata.jwks_uri !== 'string') {
    throw new TokenError('issuer-unreachable', `The metadata at ${metadataUrl} has no jwks_uri`);
  }
  return createRemoteJWKSet(new URL(metadata.jwks_uri), { timeoutDuration: FETCH_TIMEOUT_MS });
}

function toTokenError(error: unknown, o: TokenValidatorOptions): TokenError {
  if (error instanceof TokenError) return error;
  if (error instanceof errors.JWTExpired) return new TokenError('expired', 'The token has expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'aud')
      return new TokenError(
        'wrong-audience',
        `The token is not for this app (audience ${o.audiences.join(', ')})`,
      );
    if (error.claim === 'iss') return new TokenError('wrong-issuer', `The token's issuer is not ${o.issuer}`);
    if (error.claim === 'nbf') return new TokenError('not-yet-valid', 'The token is not valid yet');
    return new TokenError('malformed', `The token's "${error.claim}" claim is invalid: ${error.message}`);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JWKSNoMatchingKey) {
    return new TokenError('bad-signature', "The token's signature does not verify with the issuer's keys");
  }
  if (error instanceof errors.JWKSTimeout) {
    return new TokenError('issuer-unreachable', "The identity provider's keys could not be read in time");
  }
  if (error instanceof errors.JOSEError)
    return new TokenError('malformed', `The token is invalid: ${error.message}`);
  // A fetch of the key set that failed at the network level.
  return new TokenError(
    'issuer-unreachable',
    `The identity provider's keys could not be read: ${(error as Error).message}`,
  );
}
