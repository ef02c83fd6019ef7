/**
 * Decoding of request paths as the Functions host's web server (Kestrel) does it: percent-escapes
 * that spell valid UTF-8 are decoded, and any that do not (`%E0%A4%A`, `%zz`) stay as written.
 * A malformed path is therefore just a path no route matches, never an error.
 */
export function decodePathSegment(segment: string): string {
  if (!segment.includes('%')) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment.replace(/(?:%[0-9a-f]{2})+/gi, (run) => decodeRun(run));
  }
}

/** A run of escapes decoded as far as it is valid UTF-8, the invalid bytes left escaped. */
function decodeRun(run: string): string {
  const escapes = run.match(/%[0-9a-f]{2}/gi) ?? [];
  let out = '';
  let i = 0;
  while (i < escapes.length) {
    let decoded: string | undefined;
    // A UTF-8 sequence is at most four bytes: try the longest that decodes.
    for (let n = Math.min(4, escapes.length - i); n > 0 && decoded === undefined; n--) {
      try {
        decoded = decodeURIComponent(escapes.slice(i, i + n).join(''));
        i += n;
      } catch {
        // try a shorter sequence
      }
    }
    if (decoded === undefined) {
      out += escapes[i];
      i++;
    } else out += decoded;
  }
  return out;
}
