/**
 * Order processing (function chaining): reserve inventory → charge payment → schedule shipment.
 * A declined payment stops the chain before shipment and releases the reservation. The stock and
 * its reservations are in inventory.ts.
 *
 *   POST /api/patterns/order-processing   start an order          → 202 | 400
 */
import { createHash } from 'node:crypto';
import * as df from 'durable-functions';
import { z } from 'zod/v4';
import { settled, terminalAsResult } from '../platform/retry';
import { type ReserveResult, releaseInventory, reserveInventory, shipInventory, sku } from './inventory';
import { parseInput, registerStarter } from './starter';

export const ORDER_ORCHESTRATOR = 'orderProcessing';

// ---- input and rules (pure) ------------------------------------------------------------

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
