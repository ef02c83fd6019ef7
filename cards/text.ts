/**
 * How user-supplied text is fitted onto a card. Every limit lives in {@link TEXT_LIMITS} and
 * {@link LIST_LIMITS}, so the worst-case card size can be reasoned about in one place: Teams
 * refuses messages over about 28 KB.
 */

/**
 * Longest text, in characters (code points), shown for each kind of field. Longer text is cut at
 * a word boundary where one is near and ends with an ellipsis. The full text stays available
 * through `status <id>` and the approvals API; cards are a summary.
 */
export const TEXT_LIMITS = {
  /** Request titles, in headers and list rows. */
  title: 150,
  /** A user's display name. */
  name: 60,
  /** A loan's purpose or a generic request's details. */
  purpose: 600,
  /** An approver's comment on a decision. */
  comment: 300,
  /** Why a request closed (rejected, expired, cancelled). */
  reason: 240,
  /** The message of an error card. */
  message: 400,
  /** A typed-in command shown back as a suggestion. */
  suggestion: 80,
} as const;

/** How many items of a list a card shows before summing up the rest ("and 12 more"). */
export const LIST_LIMITS = {
  /** Decisions on request cards; the most recent are kept. */
  decisions: 20,
  /** Names in "waiting for" and "could not reach" lines. */
  people: 15,
  /** Rows of "my requests" and "pending". */
  rows: 20,
  /** Teams refreshes a card automatically for at most 60 users (`refresh.userIds`). */
  refreshUsers: 60,
} as const;

/**
 * Most bytes (UTF-8 JSON) a request card may take. Teams refuses a message over about 28 KB,
 * envelope included; when long non-Latin text makes a card bigger than this, its oldest
 * decisions are left out ("N earlier decisions not shown") until it fits.
 */
export const CARD_BYTE_BUDGET = 24 * 1024;

const ELLIPSIS = '…';

/**
 * Fits `text` into `limit` characters: whitespace tidied (single-line fields lose line breaks),
 * then, if still too long, cut at the last word boundary in the final fifth of the allowance (or
 * mid-word when there is none) and ended with an ellipsis. Never splits a surrogate pair.
 */
export function truncate(text: string, limit: number, options: { multiline?: boolean } = {}): string {
  const tidy = options.multiline
    ? text
        .replace(/\r\n?/g, '\n')
        .replace(/[ \t\f\v]+/g, ' ')
        .replace(/ *\n */g, '\n')
        .replace(/\n{3,}/g, '\n\n')
        .trim()
    : text.replace(/\s+/g, ' ').trim();
  const chars = Array.from(tidy);
  if (chars.length <= limit) return tidy;
  const room = Math.max(1, limit - ELLIPSIS.length);
  let cut = chars.slice(0, room).join('');
  const boundary = cut.search(/\s\S*$/);
  if (boundary >= Math.floor(room * 0.8)) cut = cut.slice(0, boundary);
  return `${cut.replace(/[\s.,;:!?-]+$/, '')}${ELLIPSIS}`;
}

/** `text` fitted to `limit`, or `fallback` when it is missing or blank: cards never show an empty field. */
export function fitOr(
  text: string | undefined | null,
  limit: number,
  fallback: string,
  multiline = false,
): string {
  const fitted = text ? truncate(text, limit, { multiline }) : '';
  return fitted === '' ? fallback : fitted;
}

/** A display name for a user, never empty. */
export function displayName(user: { name?: string } | undefined): string {
  return fitOr(user?.name, TEXT_LIMITS.name, 'Unknown user');
}

/** "Ann, Bob and Cy", or "Ann, Bob, … and 12 more" past `max` names. */
export function joinNames(names: readonly string[], max: number = LIST_LIMITS.people): string {
  if (names.length === 0) return '';
  const shown = names.slice(0, max);
  const rest = names.length - shown.length;
  if (rest > 0) return `${shown.join(', ')} and ${rest} more`;
  if (shown.length === 1) return shown[0] ?? '';
  return `${shown.slice(0, -1).join(', ')} and ${shown[shown.length - 1]}`;
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/**
 * An ISO timestamp as the Adaptive Card date/time functions want it (`{{DATE(...)}}` accepts no
 * fraction of a second), so each client shows it in the reader's own time zone and language.
 */
export function cardDateTime(iso: string | undefined): string {
  if (!iso) return 'unknown time';
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return 'unknown time';
  const plain = new Date(time).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return `{{DATE(${plain}, SHORT)}} {{TIME(${plain})}}`;
}

/** A length of time in the two largest units: "2d 4h", "3h 12m", "45m", "under a minute". */
export function formatDuration(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return 'under a minute';
  const days = Math.floor(minutes / 1_440);
  const hours = Math.floor((minutes % 1_440) / 60);
  const rest = minutes % 60;
  if (days > 0) return hours > 0 ? `${days}d ${hours}h` : `${days}d`;
  if (hours > 0) return rest > 0 ? `${hours}h ${rest}m` : `${hours}h`;
  return `${rest}m`;
}

/** An amount with grouping and, when it has them, two decimals: "25,000" or "1,234.50". */
// Built once: toLocaleString with options builds a new Intl.NumberFormat on every call, which
// showed in the profile of card rendering (signoff-loan).
const WHOLE = new Intl.NumberFormat('en-US', { minimumFractionDigits: 0, maximumFractionDigits: 2 });
const CENTS = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

export function formatAmount(amount: number, currency?: string): string {
  const text = (Number.isInteger(amount) ? WHOLE : CENTS).format(amount);
  return currency ? `${text} ${currency}` : text;
}
