/**
 * Travel booking (saga): book the flight, then the hotel, then the car. When a step fails, the
 * steps that succeeded are undone by compensating cancellations, in reverse order, and the
 * result says what failed and what was undone.
 *
 * Bookings are rows of the Azure Table "bookings" (partition: the trip, which is the instance
 * id; row: the step), so a booking or cancellation repeated by an activity retry finds its row
 * and changes nothing.
 *
 *   POST /api/patterns/travel-booking   → 202 | 400
 */
import { createHash } from 'node:crypto';
import * as df from 'durable-functions';
import { z } from 'zod/v4';
import { TerminalError } from '../../domain/errors';
import { settled, terminalAsResult } from '../platform/retry';
import { isConflict, readRow, table } from '../storage/tables';
import { parseInput, registerStarter } from './starter';

export const TRAVEL_ORCHESTRATOR = 'travelBooking';
const BOOKINGS = 'bookings';

export const TRAVEL_STEPS = ['flight', 'hotel', 'car'] as const;
export type TravelStep = (typeof TRAVEL_STEPS)[number];

/** The supplier has nothing to offer: the saga compensates; retrying would not help. */
export class BookingUnavailableError extends TerminalError {
  readonly code = 'BOOKING_UNAVAILABLE';
  constructor(
    readonly step: TravelStep,
    detail: string,
  ) {
    super(`${step} unavailable: ${detail}`);
  }
}

// ---- input (pure) ----------------------------------------------------------------------

const isoDate = z.iso.date('must be a date such as 2025-06-01');
const airport = z.string('must be a string').regex(/^[A-Z]{3}$/, 'must be a 3-letter IATA code such as LHR');

export const tripSchema = z.object({
  traveller: z.string('must be a string').trim().min(1, 'must not be empty').max(200),
  flight: z.object({ from: airport, to: airport, date: isoDate }, 'must be an object {from, to, date}'),
  hotel: z.object(
    {
      city: z.string('must be a string').trim().min(1, 'must not be empty').max(100),
      checkIn: isoDate,
      nights: z.number('must be a number').int('must be a whole number').min(1, 'must be at least 1').max(60),
    },
    'must be an object {city, checkIn, nights}',
  ),
  car: z.object(
    {
      pickUp: isoDate,
      days: z.number('must be a number').int('must be a whole number').min(1, 'must be at least 1').max(60),
      class: z
        .enum(['economy', 'compact', 'suv'], 'must be "economy", "compact" or "suv"')
        .default('economy'),
    },
    'must be an object {pickUp, days, class}',
  ),
  /** Demo and test knob: the suppliers of these steps have no availability. */
  unavailable: z.array(z.enum(TRAVEL_STEPS, 'must be "flight", "hotel" or "car"')).max(3).default([]),
});
export type Trip = z.infer<typeof tripSchema>;

// ---- bookings (Azure Table) ------------------------------------------------------------

interface BookingRow {
  state: 'booked' | 'cancelled';
  confirmation: string;
  details: string;
}

export interface BookInput {
  tripId: string;
  step: TravelStep;
  trip: Trip;
}

const confirmationOf = (tripId: string, step: TravelStep) =>
  `${step.slice(0, 3).toUpperCase()}-${createHash('sha256').update(`${tripId}|${step}`).digest('hex').slice(0, 8).toUpperCase()}`;

export async function book({ tripId, step, trip }: BookInput): Promise<string> {
  const t = await table(BOOKINGS);
  const existing = await readRow<BookingRow>(t, tripId, step);
  if (existing) return existing.confirmation;
  if (trip.unavailable.includes(step))
    throw new BookingUnavailableError(step, 'no availability for the requested dates');
  const confirmation = confirmationOf(tripId, step);
  try {
    await t.createEntity<BookingRow & { partitionKey: string; rowKey: string }>({
      partitionKey: tripId,
      rowKey: step,
      state: 'booked',
      confirmation,
      details: JSON.stringify(trip[step]),
    });
  } catch (error) {
    if (!isConflict(error)) throw error;
  }
  return confirmation;
}

/** Cancels a booking; cancelling what is cancelled or was never booked changes nothing. */
export async function cancel({ tripId, step }: Omit<BookInput, 'trip'>): Promise<void> {
  const t = await table(BOOKINGS);
  const existing = await readRow<BookingRow>(t, tripId, step);
  if (existing?.state !== 'booked') return;
  await t.updateEntity({ partitionKey: tripId, rowKey: step, state: 'cancelled' }, 'Merge');
}

export interface BookingRecord {
  step: string;
  state: string;
  confirmation: string;
}

export async function bookingsOf(tripId: string): Promise<BookingRecord[]> {
  const t = await table(BOOKINGS);
  const rows: BookingRecord[] = [];
  for await (const row of t.listEntities<BookingRow>({
    queryOptions: { filter: `PartitionKey eq '${tripId.replace(/'/g, "''")}'` },
  })) {
    rows.push({ step: row.rowKey ?? '', state: row.state, confirmation: row.confirmation });
  }
  return rows;
}

// ---- activities ------------------------------------------------------------------------

df.app.activity('travelBook', { handler: (input: BookInput): Promise<string> => book(input) });
df.app.activity('travelCancel', {
  handler: terminalAsResult('travelCancel', (input: Omit<BookInput, 'trip'>) => cancel(input)),
});

// ---- orchestrator (deterministic) ------------------------------------------------------

export type TravelResult =
  | { status: 'booked'; tripId: string; confirmations: Record<TravelStep, string> }
  | { status: 'failed'; tripId: string; failedStep: TravelStep; reason: string; undone: TravelStep[] };

df.app.orchestration(TRAVEL_ORCHESTRATOR, function* (context) {
  const trip = parseInput(tripSchema, context.df.getInput());
  const tripId = context.df.instanceId;
  // compensations must happen: they retry; a booking failure is a business answer and does not
  const compensationRetry = new df.RetryOptions(10_000, 5);
  compensationRetry.backoffCoefficient = 2;
  const booked: Array<[TravelStep, string]> = [];

  for (const step of TRAVEL_STEPS) {
    context.df.setCustomStatus({ step, booked: booked.map(([s]) => s) });
    try {
      const confirmation: string = yield context.df.callActivity('travelBook', { tripId, step, trip });
      booked.push([step, confirmation]);
    } catch (error) {
      const undone: TravelStep[] = [];
      for (const [done] of [...booked].reverse()) {
        context.df.setCustomStatus({ step: `cancel-${done}`, booked: booked.map(([s]) => s), undone });
        const cancelled: unknown = yield context.df.callActivityWithRetry('travelCancel', compensationRetry, {
          tripId,
          step: done,
        });
        settled(cancelled);
        undone.push(done);
      }
      context.df.setCustomStatus({ step: 'done', failedStep: step, undone });
      return {
        status: 'failed',
        tripId,
        failedStep: step,
        reason: (error as Error).message,
        undone,
      } satisfies TravelResult;
    }
  }
  context.df.setCustomStatus({ step: 'done', booked: booked.map(([s]) => s) });
  return {
    status: 'booked',
    tripId,
    confirmations: Object.fromEntries(booked) as Record<TravelStep, string>,
  } satisfies TravelResult;
});

registerStarter({ route: 'travel-booking', orchestrator: TRAVEL_ORCHESTRATOR, schema: tripSchema });
