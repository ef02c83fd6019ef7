/**
 * The principal headers App Service Authentication hands the app after validating a token:
 * `x-ms-client-principal` (base64 JSON of the token's claims, with the claim types .NET maps
 * Entra's short names to), `x-ms-client-principal-id` (the object id), `-name` (the sign-in name)
 * and `-idp`. `@azure/functions` parses them into `request.user`. A client never gets to set
 * them: {@link stripPrincipalHeaders} runs on every request, with or without a token.
 */
import type { JWTPayload } from 'jose';

const PRINCIPAL_PREFIX = 'x-ms-client-principal';

/** Short JWT claim names and the claim types Easy Auth shows for them (.NET's inbound claim map). */
const CLAIM_TYPES: Record<string, string> = {
  oid: 'http://schemas.microsoft.com/identity/claims/objectidentifier',
  tid: 'http://schemas.microsoft.com/identity/claims/tenantid',
  sub: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier',
  email: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress',
  upn: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn',
  given_name: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname',
  family_name: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname',
  scp: 'http://schemas.microsoft.com/identity/claims/scope',
};

export interface ClientPrincipal {
  auth_typ: string;
  claims: Array<{ typ: string; val: string }>;
  name_typ: string;
  role_typ: string;
}

/** Removes every `x-ms-client-principal*` header a client sent. */
export function stripPrincipalHeaders(headers: Record<string, string | string[] | undefined>): void {
  for (const name of Object.keys(headers)) {
    if (name.toLowerCase().startsWith(PRINCIPAL_PREFIX)) delete headers[name];
  }
}

export function clientPrincipal(payload: JWTPayload): ClientPrincipal {
  const claims: ClientPrincipal['claims'] = [];
  for (const [name, value] of Object.entries(payload)) {
    const typ = CLAIM_TYPES[name] ?? name;
    for (const v of Array.isArray(value) ? value : [value]) {
      if (v === undefined || v === null) continue;
      claims.push({ typ, val: typeof v === 'string' ? v : JSON.stringify(v) });
    }
  }
  return {
    auth_typ: 'aad',
    claims,
    name_typ: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name',
    role_typ: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role',
  };
}

/** The headers the app sees for a validated token. */
export function principalHeaders(payload: JWTPayload): Record<string, string> {
  const text = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v : undefined);
  const id = text(payload.oid) ?? text(payload.sub) ?? '';
  const name =
    text(payload.preferred_username) ?? text(payload.upn) ?? text(payload.email) ?? text(payload.name) ?? id;
  return {
    [PRINCIPAL_PREFIX]: Buffer.from(JSON.stringify(clientPrincipal(payload))).toString('base64'),
    [`${PRINCIPAL_PREFIX}-id`]: id,
    [`${PRINCIPAL_PREFIX}-name`]: name,
    [`${PRINCIPAL_PREFIX}-idp`]: 'aad',
  };
}

/** The app roles of a validated token (`roles`), for the host's own admin check. */
export function rolesOf(payload: JWTPayload): string[] {
  const roles = payload.roles;
  if (Array.isArray(roles)) return roles.filter((r): r is string => typeof r === 'string');
  return typeof roles === 'string' ? [roles] : [];
}
