/**
 * One host per data directory. Two hosts on the same store would both recover it and then fight
 * over every instance, so a host locks its data directory before it opens the store, and a second
 * host on the same directory stops at once, naming the first.
 *
 * The lock is SQLite's own file lock, on a small database of its own (`<data>/host.lock`, never
 * the store: tests read signoff.db while the host runs): opened in exclusive locking mode, one
 * write takes the exclusive lock (fcntl on POSIX, LockFileEx on Windows) and the connection keeps
 * it until it closes. The operating system drops it when the process ends, however it ends, so a
 * host restarted right after `kill -9` takes it again at once. The holder's PID is written beside
 * it (`<data>/host.pid`) for the message the next host gives: a locked database cannot be read.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { HostError } from './common/errors';

export class DataDirInUseError extends HostError {
  readonly code = 'DATA_DIR_IN_USE';
  readonly retryable = false;

  constructor(
    readonly dataDir: string,
    readonly holderPid: number | undefined,
  ) {
    super(
      `the data directory ${dataDir} is in use by another signoff-host (${
        holderPid === undefined ? 'PID unknown' : `PID ${holderPid}`
      }); stop that one first, or give this one another --data`,
    );
  }
}

export interface DataDirLock {
  readonly dataDir: string;
  /** Lets the directory go (the process's end lets it go too). */
  release(): void;
}

export const LOCK_FILE = 'host.lock';
export const PID_FILE = 'host.pid';

/**
 * How long to wait for the lock. Only two hosts starting at the very same moment wait (each may
 * hold the other's first step); a host that holds the directory keeps it, so waiting longer
 * would only delay the refusal.
 */
const WAIT_MS = 250;

/** Takes the data directory (creating it), or throws {@link DataDirInUseError}. */
export function lockDataDir(dataDir: string): DataDirLock {
  const dir = path.resolve(dataDir);
  fs.mkdirSync(dir, { recursive: true });
  const pidFile = path.join(dir, PID_FILE);
  const db = new Database(path.join(dir, LOCK_FILE), { timeout: WAIT_MS });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    // The write takes the exclusive lock; in this locking mode it is kept after the commit.
    db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL, since TEXT NOT NULL)');
    db.transaction(() => {
      db.prepare('DELETE FROM holder').run();
      db.prepare('INSERT INTO holder (pid, since) VALUES (?, ?)').run(process.pid, new Date().toISOString());
    }).immediate();
  } catch (error) {
    db.close();
    if ((error as { code?: string }).code === 'SQLITE_BUSY')
      throw new DataDirInUseError(dir, readPid(pidFile));
    throw error;
  }
  fs.writeFileSync(pidFile, `${process.pid}\n`);
  held.add(db);
  let released = false;
  return {
    dataDir: dir,
    release() {
      if (released) return;
      released = true;
      // The PID file first: once the lock is gone, it belongs to the next holder.
      if (readPid(pidFile) === process.pid) fs.rmSync(pidFile, { force: true });
      held.delete(db);
      db.close();
    },
  };
}

/** The open lock databases, kept reachable for the life of the process. */
const held = new Set<Database.Database>();

function readPid(file: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
