/**
 * At-most-once for card actions. Teams retries an invoke it got no timely answer to, and people
 * double-click; the first click of a decision or a form submission writes a claim row
 * (table "actionclaims") before acting, and a repeat finds the row and answers from it.
 * A claim is released when the action it guards fails, so the person can try again.
 */
import type { TableSource } from './ports';

export const CLAIMS_TABLE = 'actionclaims';

type Values = Record<string, string>;
export type Claim = { first: true } | { first: false; values: Values };

const key = (s: string) => encodeURIComponent(s);

/** The claims table. */
export class ActionClaims {
  constructor(private readonly tables: TableSource) {}

  async claim(partition: string, row: string, values: Values): Promise<Claim> {
    const claims = await this.tables(CLAIMS_TABLE);
    try {
      await claims.createEntity({
        partitionKey: key(partition),
        rowKey: key(row),
        ...values,
        claimedAt: new Date().toISOString(),
      });
      return { first: true };
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode !== 409) throw error;
      const existing = await claims.getEntity<Values>(key(partition), key(row));
      return { first: false, values: existing };
    }
  }

  async update(partition: string, row: string, values: Values): Promise<void> {
    const claims = await this.tables(CLAIMS_TABLE);
    await claims.updateEntity({ partitionKey: key(partition), rowKey: key(row), ...values }, 'Merge');
  }

  async release(partition: string, row: string): Promise<void> {
    const claims = await this.tables(CLAIMS_TABLE);
    try {
      await claims.deleteEntity(key(partition), key(row));
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode !== 404) throw error;
    }
  }
}
