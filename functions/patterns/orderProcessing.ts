/**
 * Order processing (function chaining): reserve inventory → charge payment → schedule shipment.
 * A declined payment stops the chain before shipment and releases the reservation.
 *
 * Inventory lives in the Azure Table "inventory", one partition per SKU: the row "stock"
 * ({available, reserved}) and one row per order's reservation ("reservation-<orderId>", with
 * its state). Every stock change moves the reservation from one state to the next in the same
 * entity-group transaction, so the reservation row is the idempotency key of the step: an
 * activity that runs twice finds the reservation already moved and changes nothing.
 *
 *   POST /api/patterns/order-processing   start an order          → 202 | 400
 *   PUT  /api/patterns/inventory/{sku}     {available} sets stock  → 200 | 400
 *   GET  /api/patterns/inventory/{sku}     {sku, available, reserved} → 200 | 404
 */
import { createHash } from 'node:crypto';
import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import * as df from 'durable-functions';
import { z } from 'zod/v4';
import { forUsers } from '../http/guard';
import { settled, terminalAsResult } from '../platform/retry';
import { isConflict, readRow, StorageContentionError, table } from '../storage/tables';
import { jsonBody, parseInput, registerStarter } from './starter';

export const ORDER_ORCHESTRATOR = 'orderProcessing';
const INVENTORY = 'inventory';
const STOCK_ROW = 'stock';

// ---- input and rules (pure) ------------------------------------------------------------

const sku = z
  .string('must be a string')
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/, 'must be 1-63 letters, digits, "-" or "_"');

export const orderSchema = z.object({
  items: z
    .array(
      z.object({
        sku,
        quantity: z
          .number('must be a number')
          .int('must be a whole number')
          .min(1, 'must be at least 1')
          .max(1000),
      }),
      'must be a list of {sku, quantity}',
    )
    .min(1, 'must name at least one item')
    .max(50, 'must have at most 50 items')
    .refine((items) => new Set(items.map((i) => i.sku)).size === items.length, 'must name each sku once'),
  payment: z.object(
    {
      cardNumber: z
        .string('must be a string')
        .transform((s) => s.replace(/[\s-]/g, ''))
        .pipe(z.string().regex(/^\d{12,19}$/, 'must be 12 to 19 digits')),
      amount: z.number('must be a number').positive('must be greater than 0').max(1e9),
      currency: z
        .string()
        .regex(/^[A-Za-z]{3}$/, 'must be a 3-letter ISO 4217 code such as EUR')
        .transform((c) => c.toUpperCase())
        .default('EUR'),
    },
    'must be an object {cardNumber, amount, currency}',
  ),
  shipTo: z.object(
    {
      name: z.string('must be a string').trim().min(1, 'must not be empty').max(200),
      address: z.string('must be a string').trim().min(1, 'must not be empty').max(500),
      country: z
        .string('must be a string')
        .regex(/^[A-Z]{2}$/, 'must be a 2-letter ISO 3166 code such as DE'),
    },
    'must be an object {name, address, country}',
  ),
});
export type Order = z.infer<typeof orderSchema>;
export type OrderItem = Order['items'][number];

/** The card test numbers the payment step declines, as payment providers' sandboxes do. */
export const DECLINED_CARD = '4000000000000002';
export const PAYMENT_LIMIT = 10_000;

export type PaymentDecision = { approved: true } | { approved: false; reason: string };

function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** The (simulated) payment provider's decision: deterministic, so tests and demos can decline. */
export function decidePayment(cardNumber: string, amount: number): PaymentDecision {
  if (!luhnValid(cardNumber)) return { approved: false, reason: 'invalid card number (checksum)' };
  if (cardNumber === DECLINED_CARD) return { approved: false, reason: 'card declined by issuer' };
  if (amount > PAYMENT_LIMIT)
    return { approved: false, reason: `amount over the card limit of ${PAYMENT_LIMIT}` };
  return { approved: true };
}

const digest = (...parts: string[]) =>
  createHash('sha256').update(parts.join('|')).digest('hex').slice(0, 10);

// ---- inventory (Azure Table) -----------------------------------------------------------

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
  item: OrderItem,
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
export async function reserveInventory(orderId: string, items: OrderItem[]): Promise<ReserveResult> {
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

export async function releaseInventory(orderId: string, items: OrderItem[]): Promise<OrderItem[]> {
  const released: OrderItem[] = [];
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
async function shipInventory(orderId: string, items: OrderItem[]): Promise<void> {
  for (const item of items) {
    await moveReservation(orderId, item, 'reserved', 'shipped', (q) => ({ available: 0, reserved: -q }));
  }
}

// ---- activities ------------------------------------------------------------------------

interface OrderStep {
  orderId: string;
  order: Order;
}

export interface Shipment {
  shipmentId: string;
  carrier: string;
  estimatedDelivery: string;
}

export type PaymentResult =
  | { approved: true; paymentId: string; last4: string }
  | { approved: false; reason: string; last4: string };

df.app.activity('orderReserveInventory', {
  handler: terminalAsResult('orderReserveInventory', (input: OrderStep) =>
    reserveInventory(input.orderId, input.order.items),
  ),
});

df.app.activity('orderReleaseInventory', {
  handler: terminalAsResult('orderReleaseInventory', (input: OrderStep) =>
    releaseInventory(input.orderId, input.order.items),
  ),
});

/** The payment id derives from the order, so a charge repeated by a retry is the same charge. */
df.app.activity('orderChargePayment', {
  handler: terminalAsResult('orderChargePayment', (input: OrderStep): PaymentResult => {
    const { cardNumber, amount } = input.order.payment;
    const decision = decidePayment(cardNumber, amount);
    const last4 = cardNumber.slice(-4);
    return decision.approved
      ? { approved: true, paymentId: `pay-${digest(input.orderId, 'payment')}`, last4 }
      : { approved: false, reason: decision.reason, last4 };
  }),
});

df.app.activity('orderScheduleShipment', {
  handler: terminalAsResult('orderScheduleShipment', async (input: OrderStep & { orderedAt: string }) => {
    await shipInventory(input.orderId, input.order.items);
    const days = input.order.shipTo.country === 'DE' ? 2 : 5;
    return {
      shipmentId: `shp-${digest(input.orderId, 'shipment')}`,
      carrier: days === 2 ? 'DHL' : 'UPS',
      estimatedDelivery: new Date(Date.parse(input.orderedAt) + days * 86_400_000).toISOString().slice(0, 10),
    } satisfies Shipment;
  }),
});

// ---- orchestrator (deterministic: no I/O, no clock but the orchestration's) -------------

export type OrderResult =
  | {
      status: 'completed';
      orderId: string;
      amount: number;
      currency: string;
      paymentId: string;
      shipment: Shipment;
    }
  | {
      status: 'payment-declined';
      orderId: string;
      reason: string;
      shipment: null;
      inventoryReleased: OrderItem[];
    }
  | {
      status: 'out-of-stock';
      orderId: string;
      sku: string;
      requested: number;
      available: number;
      shipment: null;
    };

df.app.orchestration(ORDER_ORCHESTRATOR, function* (context) {
  const order = parseInput(orderSchema, context.df.getInput());
  const step: OrderStep = { orderId: context.df.instanceId, order };
  const retry = new df.RetryOptions(5_000, 3);
  const progress = (name: string) => context.df.setCustomStatus({ step: name });

  progress('inventory');
  const reservation: ReserveResult = settled(
    yield context.df.callActivityWithRetry('orderReserveInventory', retry, step),
  );
  if (!reservation.reserved) {
    const { sku: missing, requested, available } = reservation;
    progress('done');
    return {
      status: 'out-of-stock',
      orderId: step.orderId,
      sku: missing,
      requested,
      available,
      shipment: null,
    } satisfies OrderResult;
  }

  progress('payment');
  const payment: PaymentResult = settled(
    yield context.df.callActivityWithRetry('orderChargePayment', retry, step),
  );
  if (!payment.approved) {
    progress('releasing-inventory');
    const released: OrderItem[] = settled(
      yield context.df.callActivityWithRetry('orderReleaseInventory', retry, step),
    );
    progress('done');
    return {
      status: 'payment-declined',
      orderId: step.orderId,
      reason: payment.reason,
      shipment: null,
      inventoryReleased: released,
    } satisfies OrderResult;
  }

  progress('shipment');
  const shipment: Shipment = settled(
    yield context.df.callActivityWithRetry('orderScheduleShipment', retry, {
      ...step,
      orderedAt: context.df.currentUtcDateTime.toISOString(),
    }),
  );
  progress('done');
  return {
    status: 'completed',
    orderId: step.orderId,
    amount: order.payment.amount,
    currency: order.payment.currency,
    paymentId: payment.paymentId,
    shipment,
  } satisfies OrderResult;
});

registerStarter({ route: 'order-processing', orchestrator: ORDER_ORCHESTRATOR, schema: orderSchema });

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
