/**
 * Table input and output, as the Tables extension gives them to a Node app.
 *
 * Input with `partitionKey` and `rowKey`: that entity, or nothing when there is none. Otherwise
 * a list: the entities matching `filter` (after `PartitionKey eq '<partitionKey>' and `, when a
 * partition key is given), at most `take` when it is above 0. An entity is a JSON object of
 * `PartitionKey`, `RowKey` and its properties (no `Timestamp` or ETag), 64-bit numbers as JSON
 * numbers, dates as .NET writes them (`2024-05-01T10:00:00.123+00:00`), binary as base64.
 *
 * Output: each item (a list is one entity per element) is inserted, unless its `ETag` is `*`
 * (insert or replace) or another ETag (replace that version). Keys come from the entity
 * (`PartitionKey`/`RowKey`, any case) or else from the binding. Whole numbers are stored as
 * Int64 and other numbers as Double, as the extension stores what it reads from JSON; nested
 * objects and lists as their JSON text. Entities are written in one transaction per partition
 * (100 at most, and one per row key), the table created when it does not exist. Any failure
 * (an entity that exists already, a stale ETag) fails the invocation.
 */
import type { TableClient, TableEntity, TransactionAction } from '@azure/data-tables';
import { jsonDate } from './dotnet';
import { BindingError } from './errors';
import { statusOf } from './rpcData';

const TABLE_NAME = /^[A-Za-z][A-Za-z0-9]{2,62}$/;

export function checkTableName(name: string): string {
  if (!TABLE_NAME.test(name)) {
    throw new BindingError(
      `Invalid table name: '${name}' (3-63 letters and digits, starting with a letter)`,
      false,
    );
  }
  return name;
}

/** An OData string literal's content: single quotes doubled. */
export const odataQuote = (value: string): string => value.replaceAll("'", "''");

type Typed = { value: string; type: string };

/** An entity as the app receives it. */
function toJson(entity: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {
    PartitionKey: entity.partitionKey,
    RowKey: entity.rowKey,
  };
  for (const [key, raw] of Object.entries(entity)) {
    if (['partitionKey', 'rowKey', 'etag', 'timestamp'].includes(key) || key.startsWith('odata.')) continue;
    const typed = raw as Typed | null;
    if (!typed || typeof typed !== 'object' || typeof typed.type !== 'string') {
      out[key] = raw;
      continue;
    }
    switch (typed.type) {
      case 'Int32':
      case 'Int64':
      case 'Double':
        out[key] = Number(typed.value);
        break;
      case 'Boolean':
        out[key] = typed.value === 'true';
        break;
      case 'DateTime': {
        const fraction = /\.(\d+)/.exec(typed.value)?.[1];
        out[key] = jsonDate(Date.parse(typed.value), fraction?.slice(0, 7));
        break;
      }
      default:
        // String, Guid, Binary (base64): their text.
        out[key] = typed.value;
    }
  }
  return out;
}

export async function readEntity(
  table: TableClient,
  partitionKey: string,
  rowKey: string,
): Promise<Record<string, unknown> | undefined> {
  try {
    const entity = await table.getEntity(partitionKey, rowKey, { disableTypeConversion: true });
    return toJson(entity as Record<string, unknown>);
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw error;
  }
}

export async function queryEntities(
  table: TableClient,
  options: { partitionKey?: string; filter?: string; take?: number },
): Promise<Array<Record<string, unknown>>> {
  let filter = options.filter || undefined;
  if (options.partitionKey) {
    const byPartition = `PartitionKey eq '${odataQuote(options.partitionKey)}'`;
    filter = filter ? `${byPartition} and ${filter}` : byPartition;
  }
  const take = options.take && options.take > 0 ? options.take : undefined;
  const out: Array<Record<string, unknown>> = [];
  try {
    const pages = table
      .listEntities({ queryOptions: filter ? { filter } : undefined, disableTypeConversion: true })
      .byPage(take ? { maxPageSize: take } : undefined);
    for await (const page of pages) {
      for (const entity of page) {
        out.push(toJson(entity as Record<string, unknown>));
        if (take && out.length >= take) return out;
      }
    }
  } catch (error) {
    // A table that does not exist has no entities.
    if (statusOf(error) !== 404) throw error;
  }
  return out;
}

const KEY_CHARS = /[/\\#?]/;
/** Control characters (U+0000-U+001F, U+007F-U+009F), which a table key cannot have. */
function isControl(text: string): boolean {
  for (const c of text) {
    const code = c.codePointAt(0) ?? 0;
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return true;
  }
  return false;
}

function checkKey(kind: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') {
    throw new BindingError(
      `A table entity needs a ${kind}: set it on the entity or in the binding's ${kind === 'PartitionKey' ? 'partitionKey' : 'rowKey'}`,
      false,
    );
  }
  if (KEY_CHARS.test(value) || isControl(value) || Buffer.byteLength(value) > 1024) {
    throw new BindingError(
      `The ${kind} '${value}' has a character a table key cannot have (/ \\ # ? or a control character)`,
      false,
    );
  }
  return value;
}

export interface EntityWrite {
  entity: TableEntity;
  /** Insert (none), insert or replace (`*`), or replace this version. */
  etag?: string;
}

/** The output items as entities to write. */
export function entitiesOf(
  items: unknown[],
  keys: { partitionKey?: string; rowKey?: string },
): EntityWrite[] {
  return items.map((raw) => {
    // A string is the entity's JSON, as the extension reads output it receives as text.
    const item = typeof raw === 'string' ? parseJson(raw) : raw;
    if (!item || typeof item !== 'object' || Array.isArray(item) || Buffer.isBuffer(item)) {
      throw new BindingError(
        `A table output item must be an object (an entity), not ${JSON.stringify(raw)}`,
        false,
      );
    }
    let partitionKey = keys.partitionKey;
    let rowKey = keys.rowKey;
    let etag: string | undefined;
    const entity: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(item as Record<string, unknown>)) {
      const lower = key.toLowerCase();
      if (lower === 'partitionkey') partitionKey = value as string;
      else if (lower === 'rowkey') rowKey = value as string;
      else if (lower === 'etag') etag = typeof value === 'string' ? value : undefined;
      else if (lower === 'timestamp' || value === null || value === undefined) continue;
      else entity[key] = toStored(value);
    }
    return {
      entity: {
        ...entity,
        partitionKey: checkKey('PartitionKey', partitionKey),
        rowKey: checkKey('RowKey', rowKey),
      },
      etag,
    };
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function toStored(value: unknown): unknown {
  if (typeof value === 'number') {
    return Number.isInteger(value) ? { value: String(value), type: 'Int64' } : value;
  }
  if (typeof value === 'object') return JSON.stringify(value, null, 2);
  return value;
}

const MAX_BATCH = 100;

/** Writes the entities: one transaction per partition, 100 at most and one per row key each. */
export async function writeEntities(table: TableClient, writes: EntityWrite[]): Promise<void> {
  const batches: TransactionAction[][] = [];
  const open = new Map<string, { actions: TransactionAction[]; rows: Set<string> }>();
  for (const { entity, etag } of writes) {
    let batch = open.get(entity.partitionKey);
    if (!batch || batch.rows.has(entity.rowKey) || batch.actions.length >= MAX_BATCH) {
      batch = { actions: [], rows: new Set() };
      open.set(entity.partitionKey, batch);
      batches.push(batch.actions);
    }
    batch.rows.add(entity.rowKey);
    batch.actions.push(
      etag === undefined
        ? ['create', entity]
        : etag === '*'
          ? ['upsert', entity, 'Replace']
          : ['update', entity, 'Replace', { etag }],
    );
  }
  for (const actions of batches) {
    try {
      await table.submitTransaction(actions);
    } catch (error) {
      if (statusOf(error) !== 404 || !/TableNotFound|table specified does not exist/i.test(String(error))) {
        throw error;
      }
      await table.createTable();
      await table.submitTransaction(actions);
    }
  }
}
