/**
 * The request forms: what `request loan` and `request` open when the message alone is not
 * enough, or what comes back with the problems named when a submission did not validate.
 * Submitting sends `Action.Execute` verb `submitRequest` with `data: { kind }` plus the inputs
 * (`amount`, `currency`, `applicant`, `termMonths`, `purpose` for loans; `title`, `details`,
 * `amount`, `currency` otherwise), which the bot validates with the same schemas as the HTTP API.
 */

import { SUPPORTED_CURRENCIES } from '../domain/commands';
import type { FieldProblem, GenericRequest, LoanRequest, RequestKind } from '../domain/requests';
import { type AdaptiveCardJson, compileTemplate } from './card';
import genericTemplate from './templates/genericForm.json';
import loanTemplate from './templates/loanForm.json';
import { truncate } from './text';

/** What each kind's form can be filled in with. */
export interface RequestFormPrefill {
  loan: Partial<LoanRequest>;
  generic: Partial<GenericRequest>;
}

interface FormView {
  currencies: readonly string[];
  problems: string;
  hasProblems: boolean;
  /** Input values; null leaves the input empty (the property is dropped). */
  [field: string]: unknown;
}

const renderLoan = compileTemplate<FormView>('loanForm', loanTemplate);
const renderGeneric = compileTemplate<FormView>('genericForm', genericTemplate);

/** Input limits, the same as the request schemas' (functions/approvals/requests.ts). */
const INPUT_LIMITS = { applicant: 200, purpose: 1000, title: 200, details: 4000 } as const;

/**
 * The form for a request of `kind`, with the inputs filled in from `prefill` (e.g. what the chat
 * command already said) and, after a failed submission, the `problems` listed above the inputs.
 */
export function requestFormCard<K extends RequestKind>(
  kind: K,
  prefill: RequestFormPrefill[K] = {},
  problems: readonly FieldProblem[] = [],
): AdaptiveCardJson {
  const given = prefill as Record<string, unknown>;
  const problemText = problems
    .map((p) => problemSentence(p, given[p.field.replace(/^details\./, '')] !== undefined))
    .join('\n');
  const common = {
    currencies: SUPPORTED_CURRENCIES,
    problems: problemText ? `Please check the form:\n${truncate(problemText, 600, { multiline: true })}` : '',
    hasProblems: problemText !== '',
  };
  const currency = knownCurrency(prefill.currency);
  if (kind === 'loan') {
    const loan = prefill as Partial<LoanRequest>;
    return renderLoan({
      ...common,
      amount: positive(loan.amount),
      currency: currency ?? 'EUR',
      applicant: text(loan.applicant, INPUT_LIMITS.applicant),
      termMonths: positive(loan.termMonths),
      purpose: text(loan.purpose, INPUT_LIMITS.purpose, true),
    });
  }
  const generic = prefill as Partial<GenericRequest>;
  return renderGeneric({
    ...common,
    amount: positive(generic.amount),
    currency: currency ?? null,
    title: text(generic.title, INPUT_LIMITS.title),
    details: text(generic.details, INPUT_LIMITS.details, true),
  });
}

/** What each field is called in a sentence, as the form labels it. */
const FIELD_NAMES: Record<string, string> = {
  amount: 'The amount',
  currency: 'The currency',
  applicant: 'The applicant',
  purpose: 'The purpose',
  termMonths: 'The term',
  title: 'The title',
  details: 'The details',
};

/**
 * A validation problem as a sentence a person reads ("The amount must not be negative."), not as
 * the schema names it ("details.amount: must not be negative"). The schemas' own words are kept
 * where they read well; the generic ones of the schema library are put in plain words; a field
 * that was not `given` is missing.
 */
export function problemSentence(problem: FieldProblem, given = true): string {
  const field = problem.field.replace(/^details\./, '');
  const name = FIELD_NAMES[field];
  // A field left empty is missing, whatever the schema says about its type.
  const rule = name && !given ? 'is missing' : plainRule(problem.rule.trim());
  if (!name) return sentence(rule);
  return sentence(`${name} ${rule}`);
}

function plainRule(rule: string): string {
  if (/^Invalid input: expected \w+, received (undefined|null)$/.test(rule)) return 'is missing';
  if (/^Invalid input/.test(rule)) return 'is not valid';
  const bound = /^Too (big|small): expected (number|string) to (?:be|have) ([<>]=?)(\S+)( characters)?$/.exec(
    rule,
  );
  if (bound) {
    const [, , kind, op, limit] = bound;
    const most = op?.startsWith('<');
    const unit = kind === 'string' ? ' characters long' : '';
    return `must be ${most ? 'at most' : 'at least'} ${limit}${unit}`;
  }
  return rule;
}

function sentence(text: string): string {
  const trimmed = text.trim();
  if (trimmed === '') return '';
  const first = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(first) ? first : `${first}.`;
}

function knownCurrency(code: string | undefined): string | undefined {
  const upper = code?.trim().toUpperCase();
  return (SUPPORTED_CURRENCIES as readonly string[]).find((c) => c === upper);
}

function positive(value: number | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : null;
}

function text(value: string | undefined, limit: number, multiline = false): string | null {
  const fitted = value ? truncate(value, limit, { multiline }) : '';
  return fitted === '' ? null : fitted;
}
