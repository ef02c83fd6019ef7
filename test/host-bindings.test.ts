/**
 * Storage bindings and the queue trigger on the embedded host, against real Azurite (the test
 * run's, with Blob, Queue and Table services), with a plain Azure Functions app
 * (test/fixtures/bindings-app): blob input and output, queue output, the queue trigger and its
 * poison queue, table input and output, a durable client in a queue trigger and outputs of an
 * activity, app settings in binding properties and local.settings.json. Everything is checked
 * the way a user would see it: through the app's HTTP routes, or in storage with the SDKs.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TableClient } from '@azure/data-tables';
import { BlobServiceClient } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHost, type TestHost } from '../host/testing';

const APP = 'test/fixtures/bindings-app';
const connection = () => {
  const value = process.env.AzureWebJobsStorage;
  if (!value) throw new Error('AzureWebJobsStorage is not set (test/setup/azurite.ts sets it)');
  return value;
};

/** Names of this run's containers, queues and tables: hosts share one Azurite. */
function storageNames() {
  const id = randomBytes(4).toString('hex');
  return {
    FILES_CONTAINER: `files-${id}`,
    ORDERS_QUEUE: `orders-${id}`,
    ARCHIVE_QUEUE: `archive-${id}`,
    ORDERS_TABLE: `Orders${id}`,
    TICKS_TABLE: `Ticks${id}`,
  };
}

const names = storageNames();
const attempts = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'signoff-bindings-')), 'attempts.txt');
let host: TestHost;
const blobs = () =>
  BlobServiceClient.fromConnectionString(connection()).getContainerClient(names.FILES_CONTAINER);
const queues = () => QueueServiceClient.fromConnectionString(connection());
const table = (name: string) =>
  TableClient.fromConnectionString(connection(), name, { allowInsecureConnection: true });

async function blobText(name: string): Promise<string | undefined> {
  try {
    return (await blobs().getBlobClient(name).downloadToBuffer()).toString('utf8');
  } catch {
    return undefined;
  }
}

async function blobNames(prefix: string): Promise<string[]> {
  const found: string[] = [];
  for await (const blob of blobs().listBlobsFlat({ prefix })) found.push(blob.name);
  return found;
}

beforeAll(async () => {
  host = await startTestHost({
    app: APP,
    clock: 'virtual',
    env: {
      ...names,
      // Yearly: this host's tests move the clock by days and want no five-minute ticks.
      TICK_SCHEDULE: '0 0 0 1 1 *',
      OVERRIDDEN: 'from the environment',
      BINDINGS_APP_ATTEMPTS_FILE: attempts,
    },
  });
});

afterAll(async () => {
  const code = await host?.stop();
  if (code !== 0) console.error(host?.logs.slice(-40).join('\n'));
});

describe('blob input and output', () => {
  it('writes a blob named from a route parameter and an app setting, and reads it back as bytes', async () => {
    const put = await fetch(`${host.url}/api/files/report.txt`, { method: 'PUT', body: 'quarterly numbers' });
    expect(put.status).toBe(201);
    expect(await blobText('docs/report.txt')).toBe('quarterly numbers');
    const got = await host.get('/api/files/report.txt');
    expect(got).toMatchObject({ status: 200, body: { isBuffer: true, text: 'quarterly numbers' } });
  });

  it('gives nothing for a blob that does not exist', async () => {
    expect(await host.get('/api/files/nothing-here.txt')).toMatchObject({
      status: 404,
      body: { missing: true },
    });
  });

  it('names blobs with {DateTime} on the host clock and {rand-guid}', async () => {
    const day = (d: Date) => d.toISOString().slice(0, 10);
    expect((await host.post('/api/stamp')).status).toBe(204);
    expect((await host.post('/api/stamp')).status).toBe(204);
    const today = await blobNames(`stamps/${day(await host.clock.now())}/`);
    expect(today).toHaveLength(2);
    for (const name of today)
      expect(name).toMatch(/\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.txt$/);
    // The virtual clock, three days on: so are the names.
    const later = await host.clock.advance('P3D');
    expect((await host.post('/api/stamp')).status).toBe(204);
    expect(await blobNames(`stamps/${day(later)}/`)).toHaveLength(1);
  });
});

describe('queue output and the queue trigger', () => {
  it('sends one message per list item; the trigger writes a table row and a blob for each', async () => {
    const placed = await host.post('/api/orders', [
      { id: 'a1', item: 'pen', quantity: 2 },
      { id: 'a2', item: 'ink', quantity: 1 },
    ]);
    expect(placed.status).toBe(202);
    await expect.poll(async () => (await host.get('/api/orders/a1')).status, { timeout: 20_000 }).toBe(200);
    const row = await host.get<Record<string, unknown>>('/api/orders/a1');
    expect(row.body).toMatchObject({
      PartitionKey: 'orders',
      RowKey: 'a1',
      item: 'pen',
      quantity: 2,
      dequeueCount: 1,
    });
    expect(row.body.messageId).toMatch(/^[0-9a-f-]{36}$/);
    // No Timestamp or ETag: the Tables extension leaves them out.
    expect(Object.keys(row.body).sort()).toEqual([
      'PartitionKey',
      'RowKey',
      'dequeueCount',
      'item',
      'messageId',
      'quantity',
    ]);
    await expect.poll(() => blobText('receipts/a2.json'), { timeout: 20_000 }).toBeDefined();
    const receipt = JSON.parse((await blobText('receipts/a2.json')) as string);
    expect(receipt.id).toBe('a2');
    expect(receipt.insertionTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00$/);
  });

  it('takes messages that others send, base64-encoded as the extension expects', async () => {
    const queue = queues().getQueueClient(names.ORDERS_QUEUE);
    await queue.sendMessage(
      Buffer.from(JSON.stringify({ id: 'b1', item: 'nib', quantity: 7 })).toString('base64'),
    );
    await expect.poll(async () => (await host.get('/api/orders/b1')).status, { timeout: 20_000 }).toBe(200);
    expect((await host.get('/api/orders/b1')).body).toMatchObject({ item: 'nib', quantity: 7 });
  });

  it('tries a failing message maxDequeueCount times, then moves it to the poison queue', async () => {
    expect((await host.post('/api/orders', { id: 'bad1', fail: true })).status).toBe(202);
    // host.json: maxDequeueCount 3, visibilityTimeout 0.
    await expect.poll(async () => (await host.get('/api/orders/bad1')).status, { timeout: 30_000 }).toBe(404);
    const poisoned = table(names.ORDERS_TABLE);
    const entity = async () => {
      try {
        return await poisoned.getEntity<{ order: string; dequeueCount: bigint }>('poison', 'bad1');
      } catch {
        return undefined;
      }
    };
    await expect.poll(entity, { timeout: 30_000 }).toBeDefined();
    // The poison queue's function gets the message as it was, new in its queue.
    expect(await entity()).toMatchObject({
      order: JSON.stringify({ id: 'bad1', fail: true }),
      dequeueCount: 1n,
    });
    const tries = fs
      .readFileSync(attempts, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('bad1 '));
    expect(tries).toEqual(['bad1 1', 'bad1 2', 'bad1 3']);
    expect(host.logs.some((l) => l.includes(`Moving message to queue '${names.ORDERS_QUEUE}-poison'`))).toBe(
      true,
    );
  });

  it('moves a message that is not base64 to the poison queue as it was, without running the function', async () => {
    const queue = queues().getQueueClient(names.ORDERS_QUEUE);
    await queue.sendMessage('{"id":"raw1"} is not base64');
    await expect
      .poll(() => host.logs.some((l) => l.includes('not valid base64')), { timeout: 20_000 })
      .toBe(true);
    // The poison queue's own trigger cannot decode it either, and a poison queue has no poison
    // queue: it stays there (hidden for its ten minutes), counted.
    const poison = queues().getQueueClient(`${names.ORDERS_QUEUE}-poison`);
    expect((await poison.getProperties()).approximateMessagesCount).toBeGreaterThanOrEqual(1);
    expect(fs.readFileSync(attempts, 'utf8')).not.toContain('raw1');
  });
});

describe('table input and output', () => {
  it('inserts without an ETag (a second insert fails the function), replaces with ETag "*"', async () => {
    expect((await host.post('/api/orders/t1', { item: 'pen', quantity: 1 })).status).toBe(204);
    const again = await host.post<{ error: string }>('/api/orders/t1', { item: 'pen', quantity: 1 });
    expect(again.status).toBe(500);
    await expect
      .poll(() =>
        host.logs.some((l) => l.includes("'putOrder': the table binding") && l.includes('already exists')),
      )
      .toBe(true);
    const replaced = await fetch(`${host.url}/api/orders/t1`, {
      method: 'PUT',
      body: JSON.stringify({ item: 'pencil', quantity: 5, note: { colour: 'red' } }),
    });
    expect(replaced.status).toBe(204);
    expect((await host.get('/api/orders/t1')).body).toMatchObject({ item: 'pencil', quantity: 5 });
    // Whole numbers are Int64, as the extension stores JSON numbers; objects are their JSON text.
    const stored = await table(names.ORDERS_TABLE).getEntity<Record<string, unknown>>('orders', 't1');
    expect(typeof stored.quantity).toBe('bigint');
    expect(JSON.parse(stored.note as string)).toEqual({ colour: 'red' });
  });

  it('lists entities by a filter with a query parameter (quoted), at most take', async () => {
    for (const id of ['p1', 'p2', 'p3']) {
      expect((await host.post(`/api/orders/${id}`, { item: 'quill', quantity: 1 })).status).toBe(204);
    }
    expect((await host.post('/api/orders/q1', { item: "O'Neil's quill", quantity: 1 })).status).toBe(204);
    const quills = await host.get<Array<Record<string, unknown>>>('/api/order-list?item=quill');
    expect(quills.status).toBe(200);
    expect(quills.body).toHaveLength(2);
    for (const e of quills.body) expect(e).toMatchObject({ PartitionKey: 'orders', item: 'quill' });
    const quoted = await host.get<Array<Record<string, unknown>>>(
      `/api/order-list?item=${encodeURIComponent("O'Neil's quill")}`,
    );
    expect(quoted.body).toEqual([
      { PartitionKey: 'orders', RowKey: 'q1', item: "O'Neil's quill", quantity: 1 },
    ]);
  });
});

describe('durable functions with bindings', () => {
  it('starts an orchestration from a queue trigger; its activity writes a blob and queue messages', async () => {
    const id = `arch-${randomBytes(3).toString('hex')}`;
    const queue = queues().getQueueClient(names.ARCHIVE_QUEUE);
    await queue.createIfNotExists();
    await queue.sendMessage(Buffer.from(JSON.stringify({ id, text: 'keep this' })).toString('base64'));
    await expect
      .poll(async () => (await host.client.status(id, '')).body?.runtimeStatus, { timeout: 30_000 })
      .toBe('Completed');
    expect((await host.client.status(id, '')).body.output).toBe(`archived ${id}`);
    expect(await blobText(`archive/${id}.txt`)).toBe('keep this');
    const done = await queues()
      .getQueueClient(`${names.ARCHIVE_QUEUE}-done`)
      .peekMessages({ numberOfMessages: 32 });
    expect(done.peekedMessageItems.map((m) => Buffer.from(m.messageText, 'base64').toString('utf8'))).toEqual(
      ['archived', id],
    );
  });
});

describe('app settings', () => {
  it('gives the app local.settings.json Values, the environment winning over them', async () => {
    expect((await host.get('/api/settings')).body).toEqual({
      LOCAL_ONLY: 'from local.settings.json',
      OVERRIDDEN: 'from the environment',
      RETRIES: '3',
    });
  });
});
