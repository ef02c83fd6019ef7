/** Progress for a human watching a long run: stderr only, so stdout stays one JSON line. */
export function progress(bench: string, message: string): void {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${bench}: ${message}\n`);
}
