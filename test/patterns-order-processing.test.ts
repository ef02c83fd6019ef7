/**
 * Order processing (chaining) on the embedded host: inventory in Azurite's "inventory" table,
 * observed over GET /api/patterns/inventory/{sku} and the reservation rows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { releaseInventory, reserveInventory, stockLevel } from '../functions/patterns/inventory';
import type { OrderResult } from '../functions/patterns/orderProcessing';
import { table } from '../functions/storage/tables';
import { startTestHost, type TestHost } from '../host/testing';
import { activitiesRun, finished, run, unique } from './support/patterns';

const GOOD_CARD = '4242 4242 4242 4242';
const DECLINED_CARD = '4000000000000002';
const shipTo = { name: 'Adele Vance', address: '1 Main St, Berlin', country: 'DE' };

let host: TestHost;
beforeAll(async () => {
  host = await startTestHost({ app: '.', clock: 'virtual' });
});
afterAll(async () => {
  await host?.stop();
});

async function stock(sku: string): Promise<{ available: number; reserved: number }> {
  const res = await host
    .as('patti')
    .get<{ available: number; reserved: number }>(`/api/patterns/inventory/${sku}`);
  expect(res.status).toBe(200);
  return { available: res.body.available, reserved: res.body.reserved };
}

async function seed(available: number): Promise<string> {
  const sku = unique('sku');
  const res = await host.as('patti').put(`/api/patterns/inventory/${sku}`, { available });
  expect(res.status).toBe(200);
  return sku;
}

async function reservationState(sku: string, orderId: string): Promise<string | undefined> {
  const t = await table('inventory');
  try {
    return (await t.getEntity<{ state: string }>(sku, `reservation-${orderId}`)).state;
  } catch {
    return undefined;
  }
}

describe('order processing', () => {
  it('reserves, charges and ships: the reservation is consumed', async () => {
    const a = await seed(10);
    const b = await seed(3);
    const { id, output } = await run<OrderResult>(host, 'order-processing', {
      items: [
        { sku: a, quantity: 2 },
        { sku: b, quantity: 3 },
      ],
      payment: { cardNumber: GOOD_CARD, amount: 129.5, currency: 'eur' },
      shipTo,
    });
    expect(output).toMatchObject({ status: 'completed', orderId: id, amount: 129.5, currency: 'EUR' });
    if (output.status !== 'completed') throw new Error('unreachable');
    expect(output.paymentId).toMatch(/^pay-/);
    expect(output.shipment).toMatchObject({ carrier: 'DHL', shipmentId: expect.stringMatching(/^shp-/) });
    expect(await stock(a)).toEqual({ available: 8, reserved: 0 });
    expect(await stock(b)).toEqual({ available: 0, reserved: 0 });
    expect(await reservationState(a, id)).toBe('shipped');

    const status = await finished(host, id);
    expect(activitiesRun(status)).toEqual([
      'orderReserveInventory',
      'orderChargePayment',
      'orderScheduleShipment',
    ]);
    expect(status.customStatus).toEqual({ step: 'done' });
  });

  it('a declined card stops before shipment and releases the reserved inventory', async () => {
    const sku = await seed(5);
    const { id, output } = await run<OrderResult>(host, 'order-processing', {
      items: [{ sku, quantity: 4 }],
      payment: { cardNumber: DECLINED_CARD, amount: 40 },
      shipTo,
    });
    expect(output).toEqual({
      status: 'payment-declined',
      orderId: id,
      reason: 'card declined by issuer',
      shipment: null,
      inventoryReleased: [{ sku, quantity: 4 }],
    });
    expect(await stock(sku)).toEqual({ available: 5, reserved: 0 });
    expect(await reservationState(sku, id)).toBe('released');
    expect(activitiesRun(await finished(host, id))).toEqual([
      'orderReserveInventory',
      'orderChargePayment',
      'orderReleaseInventory',
    ]);
  });

  it('declines an amount over the card limit and a card number with a bad checksum', async () => {
    const sku = await seed(2);
    const overLimit = await run<OrderResult>(host, 'order-processing', {
      items: [{ sku, quantity: 1 }],
      payment: { cardNumber: GOOD_CARD, amount: 10_000.01 },
      shipTo,
    });
    expect(overLimit.output).toMatchObject({
      status: 'payment-declined',
      reason: 'amount over the card limit of 10000',
    });
    const badChecksum = await run<OrderResult>(host, 'order-processing', {
      items: [{ sku, quantity: 1 }],
      payment: { cardNumber: '4242424242424241', amount: 10 },
      shipTo,
    });
    expect(badChecksum.output).toMatchObject({
      status: 'payment-declined',
      reason: 'invalid card number (checksum)',
    });
    expect(await stock(sku)).toEqual({ available: 2, reserved: 0 });
  });

  it('out of stock: nothing is charged and what was reserved for the order is released', async () => {
    const plenty = await seed(10);
    const scarce = await seed(1);
    const { id, output } = await run<OrderResult>(host, 'order-processing', {
      items: [
        { sku: plenty, quantity: 3 },
        { sku: scarce, quantity: 2 },
      ],
      payment: { cardNumber: GOOD_CARD, amount: 50 },
      shipTo,
    });
    expect(output).toEqual({
      status: 'out-of-stock',
      orderId: id,
      sku: scarce,
      requested: 2,
      available: 1,
      shipment: null,
    });
    expect(await stock(plenty)).toEqual({ available: 10, reserved: 0 });
    expect(await stock(scarce)).toEqual({ available: 1, reserved: 0 });
    expect(activitiesRun(await finished(host, id))).toEqual(['orderReserveInventory']);
  });

  it('reserving and releasing twice (an activity retry) changes the stock once', async () => {
    const sku = await seed(6);
    const items = [{ sku, quantity: 4 }];
    expect(await reserveInventory('retry-order', items)).toEqual({ reserved: true });
    expect(await reserveInventory('retry-order', items)).toEqual({ reserved: true });
    expect(await stockLevel(sku)).toEqual({ sku, available: 2, reserved: 4 });
    expect(await releaseInventory('retry-order', items)).toEqual(items);
    expect(await releaseInventory('retry-order', items)).toEqual(items);
    expect(await stockLevel(sku)).toEqual({ sku, available: 6, reserved: 0 });
  });

  it('answers 400 naming the field and the rule', async () => {
    const res = await host
      .as('patti')
      .post<{ problems: Array<{ field: string; rule: string }> }>('/api/patterns/order-processing', {
        items: [{ sku: 'x', quantity: 0 }],
        payment: { cardNumber: '12ab', amount: 5 },
        shipTo,
      });
    expect(res.status).toBe(400);
    expect(res.body.problems).toEqual(
      expect.arrayContaining([
        { field: 'items.0.quantity', rule: 'must be at least 1' },
        { field: 'payment.cardNumber', rule: 'must be 12 to 19 digits' },
      ]),
    );
    const notJson = await host
      .as('patti')
      .post<{ problems: unknown }>('/api/patterns/order-processing', '{items:');
    expect(notJson.status).toBe(400);
    expect(notJson.body.problems).toEqual([
      { field: '(body)', rule: expect.stringContaining('is not valid JSON') },
    ]);
    expect((await host.as('patti').get('/api/patterns/inventory/no-such-sku-here')).status).toBe(404);
  });
});
