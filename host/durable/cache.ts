/**
 * The instances the engine keeps in memory between episodes: each one's {@link InstanceState}
 * (history JSON and action ledger), least recently used first out, and loaded from the store on
 * a miss. With `alwaysReplay` every episode starts from a cold load.
 */
import { EventType, type HistoryEvent } from './history';
import { InstanceState } from './instance';
import type { InstanceRow } from './rows';
import type { Store } from './store';

export interface InstanceCacheOptions {
  /** How many instances' histories stay in memory between episodes. */
  cacheSize: number;
  /** Replay every instance from a cold load at every episode (hunts non-determinism). */
  alwaysReplay: boolean;
}

export class InstanceCache {
  private readonly states = new Map<string, InstanceState>();

  constructor(
    private readonly store: Store,
    private readonly options: InstanceCacheOptions,
    /** An instance in an episode is never evicted. */
    private readonly isRunning: (instanceId: string) => boolean,
  ) {}

  /** The cached state, if any, without loading it or counting it as a use. */
  peek(instanceId: string): InstanceState | undefined {
    return this.states.get(instanceId);
  }

  set(instanceId: string, state: InstanceState): void {
    this.states.set(instanceId, state);
  }

  delete(instanceId: string): void {
    this.states.delete(instanceId);
  }

  /** The instance's status row, from memory when it is cached, else from the store. */
  row(instanceId: string): InstanceRow | undefined {
    return this.states.get(instanceId)?.row ?? this.store.getInstance(instanceId);
  }

  /** The state an episode runs on: from memory, else loaded from the store (undefined when purged). */
  load(instanceId: string): InstanceState | undefined {
    const cached = this.states.get(instanceId);
    if (cached && !this.options.alwaysReplay) {
      this.states.delete(instanceId);
      this.states.set(instanceId, cached);
      return cached;
    }
    const row = this.store.getInstance(instanceId);
    if (!row) return undefined;
    const state = InstanceState.load(row, this.store.history(instanceId), this.store.timersOf(instanceId));
    this.states.set(instanceId, state);
    if (this.states.size > this.options.cacheSize) {
      for (const key of this.states.keys()) {
        if (this.states.size <= this.options.cacheSize) break;
        if (!this.isRunning(key) && key !== instanceId) this.states.delete(key);
      }
    }
    return state;
  }

  /** The history as replayed, for the status API. */
  history(instanceId: string): HistoryEvent[] {
    const cached = this.states.get(instanceId);
    const rows = cached ? cached.history : this.store.history(instanceId).map((r) => r.event);
    return rows.map((h) => JSON.parse(h) as HistoryEvent);
  }

  /** The trace context an instance's execution was started with (from memory, else its history). */
  traceContextOf(instanceId: string): HistoryEvent['ParentTraceContext'] {
    const cached = this.states.get(instanceId);
    if (cached) return cached.traceContext;
    for (const json of this.store.historyHead(instanceId)) {
      const ev = JSON.parse(json) as HistoryEvent;
      if (ev.EventType === EventType.ExecutionStarted) return ev.ParentTraceContext;
    }
    return undefined;
  }
}
