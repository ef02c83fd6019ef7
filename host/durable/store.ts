/**
 * The durable store: SQLite in WAL mode, with the rows of rows.ts. Commits that acknowledge
 * something run with `synchronous=FULL`, so they are on disk (see commitQueue.ts for the internal
 * steps). Everything an orchestration episode produces (history, status, new messages, timers and
 * activity work) is written in one transaction by the caller.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type {
  EntityOpRow,
  EntityQuery,
  EntityRow,
  HistoryRow,
  InstanceQuery,
  InstanceRow,
  MessageRow,
  ParentRef,
  RuntimeStatus,
  TimerRow,
  WorkRow,
} from './rows';

/** An instance as SQLite returns it. */
interface RawInstance {
  instance_id: string;
  execution_id: string;
  name: string;
  version: string | null;
  status: RuntimeStatus;
  input: string | null;
  output: string | null;
  custom_status: string | null;
  created_at: number;
  updated_at: number;
  parent: string | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS instances (
  instance_id TEXT PRIMARY KEY,
  execution_id TEXT NOT NULL,
  name TEXT NOT NULL,
  version TEXT,
  status TEXT NOT NULL,
  input TEXT,
  output TEXT,
  custom_status TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  parent TEXT
);
CREATE INDEX IF NOT EXISTS instances_by_created ON instances(created_at, instance_id);
CREATE TABLE IF NOT EXISTS history (
  instance_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  action_ix INTEGER,
  meta TEXT,
  event TEXT NOT NULL,
  PRIMARY KEY (instance_id, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS messages (
  id INTEGER PRIMARY KEY,
  instance_id TEXT NOT NULL,
  execution_id TEXT,
  event TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_by_instance ON messages(instance_id);
CREATE TABLE IF NOT EXISTS timers (
  id INTEGER PRIMARY KEY,
  instance_id TEXT NOT NULL,
  execution_id TEXT,
  fire_at INTEGER NOT NULL,
  event TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS timers_by_fire ON timers(fire_at);
CREATE INDEX IF NOT EXISTS timers_by_instance ON timers(instance_id);
CREATE TABLE IF NOT EXISTS activity_work (
  id INTEGER PRIMARY KEY,
  instance_id TEXT NOT NULL,
  execution_id TEXT NOT NULL,
  task_id INTEGER NOT NULL,
  name TEXT NOT NULL,
  input TEXT
);
CREATE INDEX IF NOT EXISTS work_by_instance ON activity_work(instance_id);
CREATE TABLE IF NOT EXISTS host_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS entities (
  entity_id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  key TEXT NOT NULL,
  present INTEGER NOT NULL,
  state TEXT,
  locked_by TEXT,
  lock_id TEXT,
  last_op_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS entity_ops (
  id INTEGER PRIMARY KEY,
  entity_id TEXT NOT NULL,
  at INTEGER NOT NULL,
  op TEXT NOT NULL,
  signal INTEGER NOT NULL,
  parent TEXT,
  failed INTEGER NOT NULL,
  detail TEXT,
  duration_ms REAL
);
CREATE INDEX IF NOT EXISTS entity_ops_by_entity ON entity_ops(entity_id, id);
`;

/** An entity as SQLite returns it. */
interface RawEntity {
  entity_id: string;
  name: string;
  key: string;
  present: number;
  state: string | null;
  locked_by: string | null;
  lock_id: string | null;
  last_op_at: number;
}

function toEntity(raw: RawEntity): EntityRow {
  return {
    entityId: raw.entity_id,
    name: raw.name,
    key: raw.key,
    exists: raw.present === 1,
    state: raw.state,
    lockedBy: raw.locked_by,
    lockId: raw.lock_id,
    lastOperationAt: raw.last_op_at,
  };
}

/** How many operations the store keeps per entity, for the dashboard. */
export const ENTITY_OPS_KEPT = 20;

function toInstance(raw: RawInstance): InstanceRow {
  return {
    instanceId: raw.instance_id,
    executionId: raw.execution_id,
    name: raw.name,
    version: raw.version,
    status: raw.status,
    input: raw.input,
    output: raw.output,
    customStatus: raw.custom_status,
    createdAt: raw.created_at,
    updatedAt: raw.updated_at,
    parent: raw.parent ? (JSON.parse(raw.parent) as ParentRef) : null,
  };
}

export class Store {
  readonly db: Database.Database;
  private readonly stmt;

  constructor(dataDir: string) {
    fs.mkdirSync(dataDir, { recursive: true });
    this.db = new Database(path.join(dataDir, 'signoff.db'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    const db = this.db;
    this.stmt = {
      getInstance: db.prepare<[string], RawInstance>('SELECT * FROM instances WHERE instance_id = ?'),
      upsertInstance: db.prepare(
        `INSERT INTO instances (instance_id, execution_id, name, version, status, input, output, custom_status, created_at, updated_at, parent)
         VALUES (@instanceId, @executionId, @name, @version, @status, @input, @output, @customStatus, @createdAt, @updatedAt, @parent)
         ON CONFLICT(instance_id) DO UPDATE SET execution_id = excluded.execution_id, name = excluded.name,
           version = excluded.version, status = excluded.status, input = excluded.input, output = excluded.output,
           custom_status = excluded.custom_status, created_at = excluded.created_at, updated_at = excluded.updated_at,
           parent = excluded.parent`,
      ),
      deleteInstance: db.prepare<[string]>('DELETE FROM instances WHERE instance_id = ?'),
      history: db.prepare<
        [string],
        { seq: number; action_ix: number | null; meta: string | null; event: string }
      >('SELECT seq, action_ix, meta, event FROM history WHERE instance_id = ? ORDER BY seq'),
      appendHistory: db.prepare<[string, number, number | null, string | null, string]>(
        'INSERT INTO history (instance_id, seq, action_ix, meta, event) VALUES (?, ?, ?, ?, ?)',
      ),
      deleteHistory: db.prepare<[string]>('DELETE FROM history WHERE instance_id = ?'),
      insertMessage: db.prepare<[string, string | null, string]>(
        'INSERT INTO messages (instance_id, execution_id, event) VALUES (?, ?, ?)',
      ),
      deleteMessage: db.prepare<[number]>('DELETE FROM messages WHERE id = ?'),
      deleteMessagesOf: db.prepare<[string]>('DELETE FROM messages WHERE instance_id = ?'),
      allMessages: db.prepare<
        [],
        { id: number; instance_id: string; execution_id: string | null; event: string }
      >('SELECT id, instance_id, execution_id, event FROM messages ORDER BY id'),
      insertTimer: db.prepare<[string, string | null, number, string]>(
        'INSERT INTO timers (instance_id, execution_id, fire_at, event) VALUES (?, ?, ?, ?)',
      ),
      deleteTimer: db.prepare<[number]>('DELETE FROM timers WHERE id = ?'),
      deleteTimersOf: db.prepare<[string]>('DELETE FROM timers WHERE instance_id = ?'),
      timersOf: db.prepare<[string], { id: number; fire_at: number; event: string }>(
        'SELECT id, fire_at, event FROM timers WHERE instance_id = ?',
      ),
      dueTimers: db.prepare<
        [number, number],
        { id: number; instance_id: string; execution_id: string | null; fire_at: number; event: string }
      >(
        'SELECT id, instance_id, execution_id, fire_at, event FROM timers WHERE fire_at > ? AND fire_at <= ? ORDER BY fire_at, id',
      ),
      nextTimer: db.prepare<[number], { fire_at: number | null }>(
        'SELECT MIN(fire_at) AS fire_at FROM timers WHERE fire_at > ?',
      ),
      insertWork: db.prepare<[string, string, number, string, string | null]>(
        'INSERT INTO activity_work (instance_id, execution_id, task_id, name, input) VALUES (?, ?, ?, ?, ?)',
      ),
      deleteWork: db.prepare<[number]>('DELETE FROM activity_work WHERE id = ?'),
      deleteWorkOf: db.prepare<[string]>('DELETE FROM activity_work WHERE instance_id = ?'),
      allWork: db.prepare<
        [],
        {
          id: number;
          instance_id: string;
          execution_id: string;
          task_id: number;
          name: string;
          input: string | null;
        }
      >('SELECT * FROM activity_work ORDER BY id'),
    };
  }

  private synchronous: 'FULL' | 'NORMAL' = 'FULL';

  /** FULL: the next commit is fsynced (with everything before it); NORMAL: it is not. */
  setSynchronous(mode: 'FULL' | 'NORMAL'): void {
    if (mode === this.synchronous) return;
    this.db.pragma(`synchronous = ${mode}`);
    this.synchronous = mode;
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  getInstance(instanceId: string): InstanceRow | undefined {
    const raw = this.stmt.getInstance.get(instanceId);
    return raw ? toInstance(raw) : undefined;
  }

  putInstance(row: InstanceRow): void {
    this.stmt.upsertInstance.run({ ...row, parent: row.parent ? JSON.stringify(row.parent) : null });
  }

  history(instanceId: string): HistoryRow[] {
    return this.stmt.history
      .all(instanceId)
      .map((r) => ({ seq: r.seq, actionIx: r.action_ix, meta: r.meta, event: r.event }));
  }

  appendHistory(instanceId: string, row: HistoryRow): void {
    this.stmt.appendHistory.run(instanceId, row.seq, row.actionIx, row.meta, row.event);
  }

  clearHistory(instanceId: string): void {
    this.stmt.deleteHistory.run(instanceId);
  }

  addMessage(instanceId: string, executionId: string | null, event: string): number {
    return Number(this.stmt.insertMessage.run(instanceId, executionId, event).lastInsertRowid);
  }

  deleteMessage(id: number): void {
    this.stmt.deleteMessage.run(id);
  }

  allMessages(): MessageRow[] {
    return this.stmt.allMessages
      .all()
      .map((r) => ({ id: r.id, instanceId: r.instance_id, executionId: r.execution_id, event: r.event }));
  }

  addTimer(instanceId: string, executionId: string | null, fireAt: number, event: string): number {
    return Number(this.stmt.insertTimer.run(instanceId, executionId, fireAt, event).lastInsertRowid);
  }

  deleteTimer(id: number): void {
    this.stmt.deleteTimer.run(id);
  }

  /** The first two history events (JSON): every execution begins OrchestratorStarted, ExecutionStarted. */
  historyHead(instanceId: string): string[] {
    const rows = this.db
      .prepare('SELECT event FROM history WHERE instance_id = ? AND seq <= 1 ORDER BY seq')
      .all(instanceId) as Array<{ event: string }>;
    return rows.map((r) => r.event);
  }

  timersOf(instanceId: string): Array<{ id: number; fireAt: number; event: string }> {
    return this.stmt.timersOf.all(instanceId).map((r) => ({ id: r.id, fireAt: r.fire_at, event: r.event }));
  }

  /** Timers with `after < fire_at <= upTo`. */
  dueTimers(after: number, upTo: number): TimerRow[] {
    return this.stmt.dueTimers.all(after, upTo).map((r) => ({
      id: r.id,
      instanceId: r.instance_id,
      executionId: r.execution_id,
      fireAt: r.fire_at,
      event: r.event,
    }));
  }

  nextTimerAfter(after: number): number | undefined {
    return this.stmt.nextTimer.get(after)?.fire_at ?? undefined;
  }

  addWork(
    instanceId: string,
    executionId: string,
    taskId: number,
    name: string,
    input: string | null,
  ): number {
    return Number(this.stmt.insertWork.run(instanceId, executionId, taskId, name, input).lastInsertRowid);
  }

  deleteWork(id: number): void {
    this.stmt.deleteWork.run(id);
  }

  allWork(): WorkRow[] {
    return this.stmt.allWork.all().map((r) => ({
      id: r.id,
      instanceId: r.instance_id,
      executionId: r.execution_id,
      taskId: r.task_id,
      name: r.name,
      input: r.input,
    }));
  }

  /** Removes an instance and everything it owns. */
  purge(instanceId: string): boolean {
    const removed = this.stmt.deleteInstance.run(instanceId).changes > 0;
    this.stmt.deleteHistory.run(instanceId);
    this.stmt.deleteMessagesOf.run(instanceId);
    this.stmt.deleteTimersOf.run(instanceId);
    this.stmt.deleteWorkOf.run(instanceId);
    return removed;
  }

  /** Removes pending work of an instance that ended: its timers and queued activities. */
  dropPendingWork(instanceId: string): void {
    this.stmt.deleteTimersOf.run(instanceId);
    this.stmt.deleteWorkOf.run(instanceId);
  }

  query(q: InstanceQuery): InstanceRow[] {
    const where: string[] = [];
    const args: Array<string | number> = [];
    if (q.runtimeStatus && q.runtimeStatus.length > 0) {
      where.push(`status IN (${q.runtimeStatus.map(() => '?').join(',')})`);
      args.push(...q.runtimeStatus);
    }
    if (q.createdTimeFrom !== undefined) {
      where.push('created_at >= ?');
      args.push(q.createdTimeFrom);
    }
    if (q.createdTimeTo !== undefined) {
      where.push('created_at <= ?');
      args.push(q.createdTimeTo);
    }
    if (q.instanceIdPrefix) {
      where.push('substr(instance_id, 1, ?) = ?');
      args.push(q.instanceIdPrefix.length, q.instanceIdPrefix);
    }
    if (q.after) {
      where.push('(created_at > ? OR (created_at = ? AND instance_id > ?))');
      args.push(q.after.createdAt, q.after.createdAt, q.after.instanceId);
    }
    const sql = `SELECT * FROM instances ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY created_at, instance_id ${q.top ? `LIMIT ${Math.floor(q.top)}` : ''}`;
    return (this.db.prepare(sql).all(...args) as RawInstance[]).map(toInstance);
  }

  getMeta(key: string): string | undefined {
    return (
      this.db.prepare('SELECT value FROM host_meta WHERE key = ?').get(key) as { value: string } | undefined
    )?.value;
  }

  setMeta(key: string, value: string): void {
    this.db
      .prepare(
        'INSERT INTO host_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      )
      .run(key, value);
  }

  // ---- entities (entities.ts) ------------------------------------------------------------

  getEntity(entityId: string): EntityRow | undefined {
    const raw = this.db.prepare('SELECT * FROM entities WHERE entity_id = ?').get(entityId) as
      | RawEntity
      | undefined;
    return raw ? toEntity(raw) : undefined;
  }

  /** Writes the entity, or removes it (and its operation log) when it neither exists nor is locked. */
  putEntity(row: EntityRow): void {
    if (!row.exists && !row.lockedBy) {
      this.db.prepare('DELETE FROM entities WHERE entity_id = ?').run(row.entityId);
      this.db.prepare('DELETE FROM entity_ops WHERE entity_id = ?').run(row.entityId);
      return;
    }
    this.db
      .prepare(
        `INSERT INTO entities (entity_id, name, key, present, state, locked_by, lock_id, last_op_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(entity_id) DO UPDATE SET present = excluded.present, state = excluded.state,
           locked_by = excluded.locked_by, lock_id = excluded.lock_id, last_op_at = excluded.last_op_at`,
      )
      .run(
        row.entityId,
        row.name,
        row.key,
        row.exists ? 1 : 0,
        row.state,
        row.lockedBy,
        row.lockId,
        row.lastOperationAt,
      );
  }

  /** Records operations an entity ran, keeping the last {@link ENTITY_OPS_KEPT}. */
  addEntityOps(entityId: string, ops: Array<Omit<EntityOpRow, 'entityId'>>): void {
    if (ops.length === 0) return;
    const insert = this.db.prepare(
      'INSERT INTO entity_ops (entity_id, at, op, signal, parent, failed, detail, duration_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    for (const op of ops) {
      insert.run(
        entityId,
        op.at,
        op.operation,
        op.signal ? 1 : 0,
        op.parent,
        op.failed ? 1 : 0,
        op.detail,
        op.durationMs,
      );
    }
    this.db
      .prepare(
        `DELETE FROM entity_ops WHERE entity_id = ? AND id <= (
           SELECT id FROM entity_ops WHERE entity_id = ? ORDER BY id DESC LIMIT 1 OFFSET ${ENTITY_OPS_KEPT})`,
      )
      .run(entityId, entityId);
  }

  entityOps(entityId: string): EntityOpRow[] {
    const rows = this.db
      .prepare('SELECT * FROM entity_ops WHERE entity_id = ? ORDER BY id DESC')
      .all(entityId) as Array<{
      entity_id: string;
      at: number;
      op: string;
      signal: number;
      parent: string | null;
      failed: number;
      detail: string | null;
      duration_ms: number | null;
    }>;
    return rows.map((r) => ({
      entityId: r.entity_id,
      at: r.at,
      operation: r.op,
      signal: r.signal === 1,
      parent: r.parent,
      failed: r.failed === 1,
      detail: r.detail,
      durationMs: r.duration_ms,
    }));
  }

  /** Entities in id order (`@name@key`), after `q.after`, at most `q.top`. */
  queryEntities(q: EntityQuery): EntityRow[] {
    const where: string[] = [];
    const args: Array<string | number> = [];
    if (!q.includeDeleted) where.push('present = 1');
    if (q.idPrefix) {
      where.push('substr(entity_id, 1, ?) = ?');
      args.push(q.idPrefix.length, q.idPrefix);
    }
    if (q.after) {
      where.push('entity_id > ?');
      args.push(q.after);
    }
    if (q.lastOperationFrom !== undefined) {
      where.push('last_op_at >= ?');
      args.push(q.lastOperationFrom);
    }
    if (q.lastOperationTo !== undefined) {
      where.push('last_op_at <= ?');
      args.push(q.lastOperationTo);
    }
    const sql = `SELECT * FROM entities ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY entity_id ${q.top ? `LIMIT ${Math.floor(q.top)}` : ''}`;
    return (this.db.prepare(sql).all(...args) as RawEntity[]).map(toEntity);
  }

  /** Whether messages wait for this instance or entity. */
  hasMessages(instanceId: string): boolean {
    return (
      this.db.prepare('SELECT 1 FROM messages WHERE instance_id = ? LIMIT 1').get(instanceId) !== undefined
    );
  }

  close(): void {
    this.db.close();
  }
}
