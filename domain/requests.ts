/**
 * What a requester can ask for, validated at the boundary. Users are Entra ID objects, as
 * Teams identifies them (`aadObjectId`), with a display name and an email.
 */
import { z } from 'zod/v4';
import { parseWith, ValidationError } from './validation';

export { type FieldProblem, parseWith, problemsOf, ValidationError } from './validation';

export const userSchema = z.object({
  id: z.string().trim().min(1, 'must not be empty').max(128),
  name: z.string().trim().min(1, 'must not be empty').max(256),
  email: z.email('must be an email address').max(320),
});
export type User = z.infer<typeof userSchema>;

/** Placeholder domain for a user whose email is unknown (`.invalid` is reserved: never delivered). */
export const UNKNOWN_EMAIL_DOMAIN = 'unknown.invalid';

/** An email for a user the directory gave none: requests need one by schema, and this reaches nobody. */
export function placeholderEmail(userId: string): string {
  return `${userId.replace(/[^A-Za-z0-9._-]/g, '-') || 'user'}@${UNKNOWN_EMAIL_DOMAIN}`;
}

const currency = z
  .string()
  .trim()
  .regex(/^[A-Za-z]{3}$/, 'must be a 3-letter ISO 4217 code such as EUR')
  .transform((c) => c.toUpperCase());

export const loanSchema = z.object({
  applicant: z.string().trim().min(1, 'must not be empty').max(200),
  amount: z.number('must be a number').positive('must be greater than 0').max(1e12, 'is too large'),
  currency: currency.default('EUR'),
  purpose: z.string().trim().min(1, 'must not be empty').max(1000),
  termMonths: z.number('must be a number').int('must be a whole number').min(1).max(600),
});

export const genericSchema = z.object({
  title: z.string().trim().min(1, 'must not be empty').max(200),
  details: z.string().trim().max(4000).default(''),
  amount: z.number('must be a number').nonnegative('must not be negative').max(1e12).optional(),
  currency: currency.optional(),
});

export type LoanRequest = z.infer<typeof loanSchema>;
export type GenericRequest = z.infer<typeof genericSchema>;

export type ApprovalRequest =
  | { kind: 'loan'; details: LoanRequest }
  | { kind: 'generic'; details: GenericRequest };
export type RequestKind = ApprovalRequest['kind'];
export const REQUEST_KINDS: readonly RequestKind[] = ['loan', 'generic'];

export const startSchema = z.object({
  requester: userSchema,
  details: z.unknown(),
});

export function parseRequest(kind: string, details: unknown): ApprovalRequest {
  if (kind === 'loan') return { kind, details: parseWith(loanSchema, details, 'details') };
  if (kind === 'generic') return { kind, details: parseWith(genericSchema, details, 'details') };
  throw new ValidationError([{ field: 'kind', rule: `must be one of ${REQUEST_KINDS.join(', ')}` }]);
}

/** The amount policies compare against, if the request has one. */
export function amountOf(request: ApprovalRequest): number | undefined {
  return request.details.amount;
}

export function titleOf(request: ApprovalRequest): string {
  if (request.kind === 'loan') {
    const d = request.details;
    return `Loan of ${d.amount.toLocaleString('en-US')} ${d.currency} for ${d.applicant}`;
  }
  return request.details.title;
}
