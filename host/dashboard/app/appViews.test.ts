/** How the dashboard reads an app's views: what it asks, what it keeps, what it drops. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DurableApi } from './api';
import { fetchView, instanceWaits, loadAppViews } from './appViews';

const BASE = 'https://app.example';
const api = (code = 'k3y') => new DurableApi({ baseUrl: BASE, code });
const asked: string[] = [];

function answer(routes: Record<string, { status?: number; body: unknown }>): void {
  asked.length = 0;
  vi.stubGlobal('fetch', async (url: string) => {
    asked.push(url);
    const path = new URL(url).pathname;
    const route = routes[path];
    if (!route) return new Response('not here', { status: 404 });
    const body = typeof route.body === 'string' ? route.body : JSON.stringify(route.body);
    return new Response(body, { status: route.status ?? 200 });
  });
}

afterEach(() => vi.unstubAllGlobals());

describe('app views', () => {
  it('lists the views the app offers, with the key, and drops what does not fit', async () => {
    answer({
      '/api/dashboard/views': {
        body: {
          views: [
            { id: 'orders', title: 'Orders', url: '/api/dashboard/views/orders' },
            { id: 'instances', title: 'Shadows a page of the dashboard', url: '/x' },
            { id: 'bad id', url: '/x' },
            { id: 'nourl' },
            { id: 'orders', title: 'Twice', url: '/y' },
          ],
          instance: '/api/dashboard/instances/{instanceId}',
        },
      },
    });
    expect(await loadAppViews(api())).toEqual({
      views: [{ id: 'orders', title: 'Orders', url: '/api/dashboard/views/orders' }],
      instance: '/api/dashboard/instances/{instanceId}',
    });
    expect(asked).toEqual([`${BASE}/api/dashboard/views?code=k3y`]);
  });

  it('has none when the app answers 404, an error or something else than JSON', async () => {
    answer({});
    expect(await loadAppViews(api())).toEqual({ views: [] });
    answer({ '/api/dashboard/views': { status: 500, body: { error: 'boom' } } });
    expect(await loadAppViews(api())).toEqual({ views: [] });
    answer({ '/api/dashboard/views': { body: '<html>' } });
    expect(await loadAppViews(api())).toEqual({ views: [] });
    vi.stubGlobal('fetch', async () => {
      throw new TypeError('Failed to fetch');
    });
    expect(await loadAppViews(api())).toEqual({ views: [] });
  });

  it('asks a view with its parameters and the dashboard clock, and narrows the description', async () => {
    answer({
      '/api/dashboard/views/orders': {
        body: {
          title: 'Orders',
          parameters: [{ name: 'days', title: 'Days', value: '7', options: [{ value: '7' }, { nope: 1 }] }],
          sections: [
            {
              id: 'late',
              title: 'Late orders',
              columns: [
                { key: 'order', title: 'Order', kind: 'text' },
                { key: 'due', kind: 'due' },
                { key: 'odd', title: 'Odd', kind: 'sparkline' },
              ],
              rows: [
                {
                  instanceId: 'order-1',
                  cells: {
                    order: { value: 'A-1', tag: 'rush', tone: 'bad', extra: 1 },
                    due: '2026-01-05T09:00:00Z',
                  },
                },
                'not a row',
              ],
            },
          ],
        },
      },
    });
    const now = Date.parse('2026-01-06T00:00:00Z');
    const view = await fetchView(
      api(),
      { id: 'orders', title: 'Orders', url: 'views/orders' },
      { days: '30' },
      now,
    );
    expect(asked).toEqual([
      `${BASE}/api/dashboard/views/orders?days=30&now=2026-01-06T00%3A00%3A00.000Z&code=k3y`,
    ]);
    expect(view.parameters).toEqual([
      { name: 'days', title: 'Days', value: '7', options: [{ value: '7', title: '7' }] },
    ]);
    expect(view.sections).toEqual([
      {
        id: 'late',
        title: 'Late orders',
        note: undefined,
        columns: [
          { key: 'order', title: 'Order', kind: 'text' },
          { key: 'due', title: 'due', kind: 'due' },
          { key: 'odd', title: 'Odd', kind: 'text' },
        ],
        rows: [
          {
            instanceId: 'order-1',
            cells: {
              order: { value: 'A-1', tag: 'rush', tone: 'bad', title: undefined, approx: false },
              due: '2026-01-05T09:00:00Z',
              odd: null,
            },
          },
        ],
        empty: 'Nothing to show.',
      },
    ]);
  });

  it('never sends the key off the base URL’s origin', async () => {
    answer({});
    await expect(
      fetchView(api(), { id: 'x', title: 'X', url: 'https://elsewhere.example/steal' }, {}, 0),
    ).rejects.toThrow(/not on https:\/\/app.example/);
    const views = { views: [], instance: 'https://elsewhere.example/{instanceId}' };
    expect(await instanceWaits(api(), views, 'a', 0)).toEqual([]);
    expect(asked).toEqual([]);
  });

  it('reads what the app says an instance waits for', async () => {
    answer({
      '/api/dashboard/instances/loan%2F1': {
        body: {
          waiting: [{ text: 'a decision', since: '2026-01-05T09:00:00Z', until: 'soon' }, { since: 1 }],
        },
      },
    });
    const views = { views: [], instance: '/api/dashboard/instances/{instanceId}' };
    expect(await instanceWaits(api(''), views, 'loan/1', 0)).toEqual([
      { text: 'a decision', since: Date.parse('2026-01-05T09:00:00Z'), until: undefined },
    ]);
    expect(await instanceWaits(api(''), { views: [] }, 'loan/1', 0)).toEqual([]);
  });
});
