import { describe, expect, it } from 'vitest';
import { entitiesOf } from './table';

describe('table output items', () => {
  it('take keys from the entity (any case) or the binding, and an ETag for insert-or-replace', () => {
    expect(
      entitiesOf(
        [
          { partitionkey: 'p', ROWKEY: 'r', name: 'a' },
          { RowKey: 'r2', ETag: '*' },
        ],
        {
          partitionKey: 'fromBinding',
        },
      ),
    ).toEqual([
      { entity: { partitionKey: 'p', rowKey: 'r', name: 'a' }, etag: undefined },
      { entity: { partitionKey: 'fromBinding', rowKey: 'r2' }, etag: '*' },
    ]);
  });

  it('store whole numbers as Int64, others as Double, objects as their JSON text, and leave out nulls', () => {
    const [write] = entitiesOf(
      ['{"PartitionKey":"p","RowKey":"r","n":5,"x":1.5,"o":{"a":1},"z":null,"t":true}'],
      {},
    );
    expect(write?.entity).toEqual({
      partitionKey: 'p',
      rowKey: 'r',
      n: { value: '5', type: 'Int64' },
      x: 1.5,
      o: JSON.stringify({ a: 1 }, null, 2),
      t: true,
    });
  });

  it('refuse items that are no entity, or keys a table cannot have', () => {
    expect(() => entitiesOf([{ RowKey: 'r' }], {})).toThrow(/needs a PartitionKey/);
    expect(() => entitiesOf([{ PartitionKey: 'p', RowKey: 'a/b' }], {})).toThrow(
      /character a table key cannot have/,
    );
    expect(() => entitiesOf([{ PartitionKey: 'p', RowKey: 'a\u0001' }], {})).toThrow(/cannot have/);
    expect(() => entitiesOf(['not json'], {})).toThrow(/must be an object/);
    expect(() => entitiesOf([[1, 2]], {})).toThrow(/must be an object/);
  });
});
