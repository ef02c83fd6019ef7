/**
 * The dashboard's sign-in: opening `/_dashboard/?code=<system key>` sets an HttpOnly,
 * SameSite=Strict cookie that stands for the key for twelve hours, so the key leaves the address
 * bar and the page's own calls to the management API carry the cookie. The cookie is an expiry
 * and an HMAC of it under the system key: nothing is stored, and changing the key ends every
 * session.
 */
import { createHmac } from 'node:crypto';
import { sameSecret } from './secrets';

export const SESSION_COOKIE = 'signoff-session';
const SESSION_MS = 12 * 60 * 60 * 1000;

const mac = (key: string, expires: number) =>
  createHmac('sha256', key).update(`dashboard-session:${expires}`).digest('base64url');

/** A `Set-Cookie` value for a new session. */
export function newSessionCookie(systemKey: string, now = Date.now()): string {
  const expires = now + SESSION_MS;
  return `${SESSION_COOKIE}=${expires}.${mac(systemKey, expires)}; Path=/; Max-Age=${SESSION_MS / 1000}; HttpOnly; SameSite=Strict`;
}

/** Whether the request's `Cookie` header holds a live session for `systemKey`. */
export function hasSession(cookieHeader: string | undefined, systemKey: string, now = Date.now()): boolean {
  if (!cookieHeader) return false;
  for (const part of cookieHeader.split(';')) {
    const [name, value] = part.trim().split('=', 2);
    if (name !== SESSION_COOKIE || !value) continue;
    const [expiresText, signature] = value.split('.', 2);
    const expires = Number(expiresText);
    if (!Number.isSafeInteger(expires) || expires < now || !signature) continue;
    if (sameSecret(signature, mac(systemKey, expires))) return true;
  }
  return false;
}
