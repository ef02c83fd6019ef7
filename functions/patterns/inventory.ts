/**
 * The stock the order-processing pattern reserves, charges and ships from, in the Azure Table
 * "inventory", one partition per SKU: the row "stock" ({available, reserved}) and one row per
 * order's reservation ("reservation-<orderId>", with its state). Every stock change moves the
 * reservation from one state to the next in the same entity-group transaction, so the
 * reservation row is the idempotency key of the step: an activity that runs twice finds the
 * reservation already moved and changes nothing.
 *
 *   PUT  /api/patterns/inventory/{sku}     {available} sets stock         → 200 | 400
 *   GET  /api/patterns/inventory/{sku}     {sku, available, reserved}     → 200 | 404
 */
import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { z } from 'zod/v4';
import { forUsers } from '../http/guard';
import { isConflict, readRow, StorageContentionError, table } from '../storage/tables';
import { jsonBody, parseInput } from './starter';

const INVENTORY = 'inventory';
const STOCK_ROW = 'stock';

export const sku = z
  .string('must be a string')
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/, 'must be 1-63 letters, digits, "-" or "_"');

/** A quantity of one SKU, as an order lists it. */
export interface StockItem {
  sku: string;
  quantity: number;
}

interface StockRow {
  available: number;
  reserved: number;
}
type ReservationState = 'reserved' | 'released' | 'shipped';
interface ReservationRow {
  quantity: number;
  state: ReservationState;
}

const reservationKey = (orderId: string) => `reservation-${orderId}`;

export interface StockLevel {
  sku: string;
  available: number;
  reserved: number;
}

export async function stockLevel(skuName: string): Promise<StockLevel | undefined> {
  const row = await readRow<StockRow>(await table(INVENTORY), skuName, STOCK_ROW);
  return row && { sku: skuName, available: row.available, reserved: row.reserved };
}

/** Sets what is available to sell; what is reserved for open orders stays as it is. */
export async function setStock(skuName: string, available: number): Promise<StockLevel> {
  const t = await table(INVENTORY);
  for (let attempt = 0; attempt < 20; attempt++) {
    const row = await readRow<StockRow>(t, skuName, STOCK_ROW);
    try {
      if (row)
        await t.updateEntity({ partitionKey: skuName, rowKey: STOCK_ROW, available }, 'Merge', {
          etag: row.etag,
        });
      else await t.createEntity({ partitionKey: skuName, rowKey: STOCK_ROW, available, reserved: 0 });
      return { sku: skuName, available, reserved: row?.reserved ?? 0 };
    } catch (error) {
      if (!isConflict(error)) throw error;
    }
  }
  throw new StorageContentionError(`inventory of ${skuName}`);
}

type Move = 'moved' | 'already' | 'insufficient' | 'not-reserved';

/**
 * Moves an order's reservation of one SKU from `from` (undefined: no reservation yet) to `to`,
 * changing the stock row by `delta` in the same transaction. Idempotent: once moved, a second
 * call answers 'already'.
 */
async function moveReservation(
  orderId: string,
  item: StockItem,
  from: ReservationState | undefined,
  to: ReservationState,
  delta: (q: number) => StockRow,
): Promise<Move> {
  const t = await table(INVENTORY);
  const key = reservationKey(orderId);
  for (let attempt = 0; attempt < 20; attempt++) {
    const reservation = await readRow<ReservationRow>(t, item.sku, key);
    if (reservation?.state === to) return 'already';
    if (reservation?.state !== from) return 'not-reserved';
    const stock = await readRow<StockRow>(t, item.sku, STOCK_ROW);
    const change = delta(reservation?.quantity ?? item.quantity);
    const next = {
      available: (stock?.available ?? 0) + change.available,
      reserved: (stock?.reserved ?? 0) + change.reserved,
    };
    if (!stock || next.available < 0 || next.reserved < 0) return 'insufficient';
    try {
      await t.submitTransaction([
        ['update', { partitionKey: item.sku, rowKey: STOCK_ROW, ...next }, 'Merge', { etag: stock.etag }],
        reservation
          ? [
              'update',
              { partitionKey: item.sku, rowKey: key, state: to },
              'Merge',
              { etag: reservation.etag },
            ]
          : ['create', { partitionKey: item.sku, rowKey: key, quantity: item.quantity, state: to }],
      ]);
      return 'moved';
    } catch (error) {
      if (!isConflict(error)) throw error;
    }
  }
  throw new StorageContentionError(`inventory of ${item.sku}`);
}

export type ReserveResult =
  | { reserved: true }
  | { reserved: false; sku: string; requested: number; available: number };

/** Reserves every item, or none: on a shortage, what this order reserved is released again. */
export async function reserveInventory(orderId: string, items: StockItem[]): Promise<ReserveResult> {
  for (const item of items) {
    const move = await moveReservation(orderId, item, undefined, 'reserved', (q) => ({
      available: -q,
      reserved: q,
    }));
    if (move === 'moved' || move === 'already') continue;
    await releaseInventory(orderId, items);
    const level = await stockLevel(item.sku);
    return { reserved: false, sku: item.sku, requested: item.quantity, available: level?.available ?? 0 };
  }
  return { reserved: true };
}

export async function releaseInventory(orderId: string, items: StockItem[]): Promise<StockItem[]> {
  const released: StockItem[] = [];
  for (const item of items) {
    const move = await moveReservation(orderId, item, 'reserved', 'released', (q) => ({
      available: q,
      reserved: -q,
    }));
    if (move === 'moved' || move === 'already') released.push(item);
  }
  return released;
}

/** The goods leave the warehouse: the reservation is consumed. */
export async function shipInventory(orderId: string, items: StockItem[]): Promise<void> {
  for (const item of items) {
    await moveReservation(orderId, item, 'reserved', 'shipped', (q) => ({ available: 0, reserved: -q }));
  }
}

// ---- stock, for demos and for operators --------------------------------------------------

const stockBody = z.object({
  available: z
    .number('must be a number')
    .int('must be a whole number')
    .min(0, 'must not be negative')
    .max(1e9),
});

async function inventoryRoute(request: HttpRequest): Promise<HttpResponseInit> {
  const skuName = parseInput(z.object({ sku }), { sku: request.params.sku ?? '' }).sku;
  if (request.method === 'PUT') {
    const { available } = parseInput(stockBody, await jsonBody(request));
    return { jsonBody: await setStock(skuName, available) };
  }
  const level = await stockLevel(skuName);
  return level
    ? { jsonBody: level }
    : { status: 404, jsonBody: { error: `No stock row for sku "${skuName}"` } };
}

app.http('patternsInventory', {
  route: 'patterns/inventory/{sku}',
  methods: ['GET', 'PUT'],
  authLevel: 'anonymous',
  handler: forUsers(inventoryRoute),
});
