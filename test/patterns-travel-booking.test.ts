/**
 * Travel booking (saga) on the embedded host: a failure at each step undoes what was booked,
 * in reverse order; the bookings are rows of Azurite's "bookings" table.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bookingsOf, type TravelResult } from '../functions/patterns/travelBooking';
import { startTestHost, type TestHost } from '../host/testing';
import { finished, run } from './support/patterns';

const trip = {
  traveller: 'Megan Bowen',
  flight: { from: 'LHR', to: 'SEA', date: '2026-03-02' },
  hotel: { city: 'Seattle', checkIn: '2026-03-02', nights: 4 },
  car: { pickUp: '2026-03-02', days: 4, class: 'compact' },
};

let host: TestHost;
beforeAll(async () => {
  host = await startTestHost({ app: '.', clock: 'virtual' });
});
afterAll(async () => {
  await host?.stop();
});

/** The booking rows of a trip, as step → state. */
async function rows(tripId: string): Promise<Record<string, string>> {
  return Object.fromEntries((await bookingsOf(tripId)).map((b) => [b.step, b.state]));
}

/** The activities the saga ran, in order (travelCancel inputs are not in the history). */
async function activities(id: string): Promise<string[]> {
  const status = await finished(host, id);
  return (status.historyEvents ?? [])
    .filter((e) => e.EventType === 'TaskCompleted')
    .map((e) => String(e.FunctionName));
}

describe('travel booking saga', () => {
  it('books flight, hotel and car', async () => {
    const { id, output } = await run<TravelResult>(host, 'travel-booking', trip);
    expect(output.status).toBe('booked');
    if (output.status !== 'booked') throw new Error('unreachable');
    expect(output.confirmations).toEqual({
      flight: expect.stringMatching(/^FLI-[0-9A-F]{8}$/),
      hotel: expect.stringMatching(/^HOT-[0-9A-F]{8}$/),
      car: expect.stringMatching(/^CAR-[0-9A-F]{8}$/),
    });
    expect(await rows(id)).toEqual({ flight: 'booked', hotel: 'booked', car: 'booked' });
    expect((await finished(host, id)).customStatus).toEqual({
      step: 'done',
      booked: ['flight', 'hotel', 'car'],
    });
  });

  it('flight fails: nothing to undo', async () => {
    const { id, output } = await run<TravelResult>(host, 'travel-booking', {
      ...trip,
      unavailable: ['flight'],
    });
    expect(output).toMatchObject({ status: 'failed', tripId: id, failedStep: 'flight', undone: [] });
    expect(output.status === 'failed' && output.reason).toContain('flight unavailable');
    expect(await rows(id)).toEqual({});
    expect(await activities(id)).toEqual([]);
  });

  it('hotel fails: the flight is cancelled', async () => {
    const { id, output } = await run<TravelResult>(host, 'travel-booking', {
      ...trip,
      unavailable: ['hotel'],
    });
    expect(output).toMatchObject({ status: 'failed', failedStep: 'hotel', undone: ['flight'] });
    expect(await rows(id)).toEqual({ flight: 'cancelled' });
    expect(await activities(id)).toEqual(['travelBook', 'travelCancel']);
  });

  it('car fails: hotel then flight are cancelled, in reverse order', async () => {
    const { id, output } = await run<TravelResult>(host, 'travel-booking', { ...trip, unavailable: ['car'] });
    expect(output).toMatchObject({ status: 'failed', failedStep: 'car', undone: ['hotel', 'flight'] });
    expect(output.status === 'failed' && output.reason).toContain('car unavailable: no availability');
    expect(await rows(id)).toEqual({ flight: 'cancelled', hotel: 'cancelled' });
    expect(await activities(id)).toEqual(['travelBook', 'travelBook', 'travelCancel', 'travelCancel']);
    expect((await finished(host, id)).customStatus).toEqual({
      step: 'done',
      failedStep: 'car',
      undone: ['hotel', 'flight'],
    });
  });

  it('answers 400 naming the field and the rule', async () => {
    const res = await host
      .as('patti')
      .post<{ problems: Array<{ field: string; rule: string }> }>('/api/patterns/travel-booking', {
        ...trip,
        flight: { from: 'london', to: 'SEA', date: '2 March' },
        unavailable: ['boat'],
      });
    expect(res.status).toBe(400);
    expect(res.body.problems).toEqual(
      expect.arrayContaining([
        { field: 'flight.from', rule: 'must be a 3-letter IATA code such as LHR' },
        { field: 'flight.date', rule: 'must be a date such as 2025-06-01' },
        { field: 'unavailable.0', rule: 'must be "flight", "hotel" or "car"' },
      ]),
    );
  });
});
