/**
 * What every page gets from the entry module (main.ts): the API client, the clock, the address
 * and the status bar. Types only, so pages do not import main.ts, which imports them.
 */
import type { DurableApi } from './api.js';
import type { AppViews } from './appViews.js';

export interface View {
  refresh(): Promise<void>;
  /** False for views too heavy to refresh on a timer. */
  autoRefresh?: boolean;
}

export interface AppContext {
  api: DurableApi;
  /** The current time on the host's clock when known, else the browser's. */
  now(): number;
  params(): URLSearchParams;
  /** Updates the query string (replacing history) without reloading. */
  setParams(values: Record<string, string | undefined>): void;
  /** Link to an instance page, keeping the query string. */
  instanceHref(id: string): string;
  go(hash: string): void;
  /** A line in the status bar. */
  notify(text: string, tone?: 'ok' | 'bad'): void;
  /** The views the app offers (asked once per connection); none when it offers none. */
  appViews(): Promise<AppViews>;
}
