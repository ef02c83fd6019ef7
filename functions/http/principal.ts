/**
 * Who is calling an HTTP function: the principal the platform validated. In Azure, App Service
 * Authentication checks the Entra ID token and passes its claims as `x-ms-client-principal`
 * (which `@azure/functions` parses into `request.user`); the embedded host does the same. This
 * module is the only place the app learns who a caller is, and it never looks at a body or a
 * query string for that.
 */
import type { HttpRequest } from '@azure/functions';

export interface Caller {
  /** The Entra object id (`oid`): what Teams calls `aadObjectId` and the policy names people by. */
  id: string;
  name: string;
  /** The sign-in name when it is an email address. */
  email?: string;
  tenantId?: string;
  /** App roles (`roles` claim), e.g. Approvals.Admin. */
  roles: string[];
}

const OBJECT_ID = 'http://schemas.microsoft.com/identity/claims/objectidentifier';
const TENANT_ID = 'http://schemas.microsoft.com/identity/claims/tenantid';
const UPN = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn';
const EMAIL = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress';
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

interface PrincipalClaim {
  typ?: unknown;
  val?: unknown;
}

/** The caller, or undefined for a request the platform let through without a user. */
export function callerOf(request: HttpRequest): Caller | undefined {
  let user: HttpRequest['user'];
  try {
    user = request.user;
  } catch {
    // Partial principal headers: not something the platform sends, so no user.
    return undefined;
  }
  if (!user || user.type !== 'AppService') return undefined;
  const data = user.claimsPrincipalData as { claims?: unknown; role_typ?: unknown };
  const claims = (Array.isArray(data.claims) ? data.claims : []) as PrincipalClaim[];
  const values = (...types: string[]) =>
    claims
      .filter((c) => typeof c.typ === 'string' && types.includes(c.typ) && typeof c.val === 'string')
      .map((c) => (c.val as string).trim())
      .filter(Boolean);
  const first = (...types: string[]) => values(...types)[0];

  const id = first(OBJECT_ID, 'oid') ?? user.id?.trim();
  if (!id) return undefined;
  const roleType = typeof data.role_typ === 'string' ? data.role_typ : 'roles';
  const email = [...values('preferred_username', UPN, 'upn', EMAIL, 'email'), user.username].find(
    (v) => typeof v === 'string' && EMAIL_SHAPE.test(v),
  );
  return {
    id,
    name: first('name') ?? user.username ?? id,
    ...(email ? { email } : {}),
    ...(first(TENANT_ID, 'tid') ? { tenantId: first(TENANT_ID, 'tid') } : {}),
    roles: [...new Set(values('roles', roleType))],
  };
}
