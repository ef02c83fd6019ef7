/**
 * The host's errors. Every error the host throws on purpose is a {@link HostError}: `code` names
 * its kind (stable, for logs and tests), and `retryable` says whether the same thing can succeed
 * when tried again later without anything else changing (an identity provider that was
 * unreachable), as opposed to bad input or configuration, which fails the same way every time.
 * Callers tell the kinds apart with `instanceof` on the specific classes.
 */
export abstract class HostError extends Error {
  abstract readonly code: string;
  abstract readonly retryable: boolean;
}
