/**
 * Indexing: what each function's bindings ask for, checked once at start-up as the Functions
 * host indexes functions. Every binding must be of a type this host implements, its `%Setting%`
 * expressions must resolve, its storage connection must exist, and its fixed parts (a queue or
 * table name, a schedule, a path's form) must be valid; every problem in every function is
 * collected into one {@link BindingIndexError}, which stops start-up.
 */
import type { FunctionMetadata, RegisteredFunction, RpcBindingInfo } from '../runtime/core';
import type { StorageAccount, StorageAccounts } from './connections';
import { BindingIndexError, type BindingProblem } from './errors';
import { BindingTemplate, TemplateError } from './expressions';
import { normalizeQueueName } from './queue';
import { resolveSettings, type Settings, UnresolvedSettingError } from './settings';
import { checkTableName } from './table';
import { parseSchedule, type TimerSchedule } from './timerSchedule';

export type InputPlan =
  | { kind: 'blob'; name: string; path: BindingTemplate; account: StorageAccount; asString: boolean }
  | {
      kind: 'table';
      name: string;
      tableName: BindingTemplate;
      partitionKey?: BindingTemplate;
      rowKey?: BindingTemplate;
      filter?: BindingTemplate;
      take?: number;
      account: StorageAccount;
    }
  | { kind: 'durableClient'; name: string };

export type OutputPlan =
  | { kind: 'blob'; name: string; path: BindingTemplate; account: StorageAccount }
  | { kind: 'queue'; name: string; queueName: BindingTemplate; account: StorageAccount }
  | {
      kind: 'table';
      name: string;
      tableName: BindingTemplate;
      partitionKey?: BindingTemplate;
      rowKey?: BindingTemplate;
      account: StorageAccount;
    };

/** A function-level retry policy (`retry` of a timer function). */
export interface RetryPolicy {
  strategy: 'fixedDelay' | 'exponentialBackoff';
  /** -1: without end. */
  maxRetryCount: number;
  delayMs: number;
  maximumMs: number;
}

export type TriggerPlan =
  | { kind: 'http' | 'orchestration' | 'activity' | 'entity' }
  | { kind: 'queue'; queueName: string; account: StorageAccount; asBytes: boolean }
  | {
      kind: 'timer';
      schedule: TimerSchedule;
      runOnStartup: boolean;
      useMonitor: boolean;
      retry?: RetryPolicy;
    };

export interface FunctionPlan {
  fn: RegisteredFunction;
  trigger: TriggerPlan;
  inputs: InputPlan[];
  outputs: OutputPlan[];
}

/** The binding types this host implements, by direction, as the app's metadata names them. */
export const SUPPORTED_TYPES = [
  'httpTrigger',
  'http',
  'timerTrigger',
  'queueTrigger',
  'queue',
  'blob',
  'table',
  'orchestrationTrigger',
  'activityTrigger',
  'entityTrigger',
  'durableClient',
];

export interface IndexOptions {
  settings: Settings;
  accounts: StorageAccounts;
  /** The host's time, for the schedule monitor's default. */
  now: number;
}

/** Indexes every function; throws {@link BindingIndexError} naming every problem found. */
export function indexFunctions(
  functions: Iterable<RegisteredFunction>,
  options: IndexOptions,
): FunctionPlan[] {
  const problems: BindingProblem[] = [];
  const plans: FunctionPlan[] = [];
  for (const fn of functions) {
    const plan: FunctionPlan = { fn, trigger: { kind: 'http' }, inputs: [], outputs: [] };
    for (const [name, binding] of Object.entries(fn.metadata.bindings)) {
      const type = binding.type ?? '';
      const reader = new BindingReader(binding, options.settings);
      try {
        indexBinding(plan, name, binding, reader, options);
        reader.finish();
      } catch (error) {
        if (!(error instanceof Problem)) throw error;
      }
      for (const problem of reader.problems)
        problems.push({ function: fn.name, binding: name, type, problem });
    }
    plans.push(plan);
  }
  if (problems.length > 0) throw new BindingIndexError(problems);
  return plans;
}

/** Stops indexing one binding (its problems are already recorded). */
class Problem extends Error {}

/** One binding's properties, read with their settings resolved and their problems recorded. */
class BindingReader {
  readonly problems: string[] = [];

  constructor(
    private readonly binding: RpcBindingInfo,
    private readonly settings: Settings,
  ) {}

  fail(problem: string): never {
    this.problems.push(problem);
    throw new Problem(problem);
  }

  /** Records a problem and goes on reading the binding. */
  note(problem: string): void {
    this.problems.push(problem);
  }

  finish(): void {
    if (this.problems.length > 0) throw new Problem(this.problems[0]);
  }

  /** A string property with `%Setting%`s resolved; undefined when absent (a problem when required). */
  text(property: string, required: true): string;
  text(property: string, required?: false): string | undefined;
  text(property: string, required = false): string | undefined {
    const raw = this.binding[property];
    if (raw === undefined || raw === null || raw === '') {
      if (required) this.fail(`it has no '${property}'`);
      return undefined;
    }
    if (typeof raw !== 'string') return this.fail(`'${property}' must be text, got ${JSON.stringify(raw)}`);
    try {
      return resolveSettings(raw, this.settings);
    } catch (error) {
      if (error instanceof UnresolvedSettingError) return this.fail(`${property}: ${error.message}`);
      throw error;
    }
  }

  template(property: string, required: true): BindingTemplate;
  template(property: string, required?: false): BindingTemplate | undefined;
  template(property: string, required = false): BindingTemplate | undefined {
    const value = required ? this.text(property, true) : this.text(property);
    if (value === undefined) return undefined;
    try {
      return BindingTemplate.parse(value);
    } catch (error) {
      if (error instanceof TemplateError) return this.fail(`${property}: ${error.message}`);
      throw error;
    }
  }

  flag(property: string, fallback: boolean): boolean {
    const raw = this.binding[property];
    if (raw === undefined || raw === null) return fallback;
    if (typeof raw === 'boolean') return raw;
    if (raw === 'true' || raw === 'false') return raw === 'true';
    return this.fail(`'${property}' must be true or false, got ${JSON.stringify(raw)}`);
  }

  /** The storage account of the binding's `connection`, able to serve `service`. */
  account(accounts: StorageAccounts, service: 'blob' | 'queue' | 'table'): StorageAccount {
    const connection = this.text('connection');
    let account: StorageAccount;
    try {
      account = accounts.get(connection);
    } catch (error) {
      return this.fail((error as Error).message);
    }
    const lacks = account.lacks(service);
    if (lacks) this.fail(lacks);
    return account;
  }
}

function indexBinding(
  plan: FunctionPlan,
  name: string,
  binding: RpcBindingInfo,
  reader: BindingReader,
  options: IndexOptions,
): void {
  const type = (binding.type ?? '').toLowerCase();
  const direction = binding.direction ?? 'in';
  const properties = binding.properties as Record<string, unknown> | undefined;
  if (properties?.supportsDeferredBinding === 'true' || binding.sdkBinding === true) {
    reader.fail(
      'SDK-type bindings (sdkBinding: true, clients from @azure/functions-extensions-*) are not supported by this host; bind to the data instead',
    );
  }
  const unsupported = () =>
    reader.fail(
      `this host does not support the binding type '${binding.type}'${direction === 'out' ? ' as an output' : direction === 'in' && !type.endsWith('trigger') ? ' as an input' : ''} (it supports ${SUPPORTED_TYPES.join(', ')})`,
    );
  switch (type) {
    case 'httptrigger':
      plan.trigger = { kind: 'http' };
      return;
    case 'orchestrationtrigger':
      plan.trigger = { kind: 'orchestration' };
      return;
    case 'activitytrigger':
      plan.trigger = { kind: 'activity' };
      return;
    case 'entitytrigger':
      plan.trigger = { kind: 'entity' };
      return;
    case 'http':
      if (direction !== 'out') unsupported();
      return;
    case 'durableclient':
    case 'orchestrationclient':
      if (direction !== 'in') unsupported();
      plan.inputs.push({ kind: 'durableClient', name });
      return;
    case 'queuetrigger': {
      const queue = reader.text('queueName', true);
      const account = reader.account(options.accounts, 'queue');
      let queueName: string;
      try {
        queueName = normalizeQueueName(queue);
      } catch (error) {
        reader.fail((error as Error).message);
      }
      plan.trigger = { kind: 'queue', queueName, account, asBytes: binding.dataType === 'binary' };
      return;
    }
    case 'timertrigger':
      plan.trigger = timerTrigger(plan.fn.metadata, reader, options);
      return;
    case 'queue': {
      if (direction !== 'out') {
        reader.fail("a 'queue' binding can only be an output; read messages with a queueTrigger");
      }
      const queueName = reader.template('queueName', true);
      const account = reader.account(options.accounts, 'queue');
      if (!queueName.hasParameters) checkFixed(reader, () => normalizeQueueName(queueName.text));
      plan.outputs.push({ kind: 'queue', name, queueName, account });
      return;
    }
    case 'blob': {
      const path = reader.template('path', true);
      const account = reader.account(options.accounts, 'blob');
      if (!path.text.includes('/')) {
        reader.fail(`path '${path.text}' must be 'container/blob'`);
      }
      if (direction === 'out') plan.outputs.push({ kind: 'blob', name, path, account });
      else plan.inputs.push({ kind: 'blob', name, path, account, asString: binding.dataType === 'string' });
      return;
    }
    case 'table': {
      const tableName = reader.template('tableName', true);
      const account = reader.account(options.accounts, 'table');
      if (!tableName.hasParameters) checkFixed(reader, () => checkTableName(tableName.text));
      const partitionKey = reader.template('partitionKey');
      const rowKey = reader.template('rowKey');
      if (direction === 'out') {
        plan.outputs.push({ kind: 'table', name, tableName, partitionKey, rowKey, account });
        return;
      }
      const take = binding.take;
      if (
        take !== undefined &&
        take !== null &&
        (typeof take !== 'number' || !Number.isInteger(take) || take < 0)
      ) {
        reader.fail(`'take' must be a whole number, got ${JSON.stringify(take)}`);
      }
      if (rowKey && !partitionKey) reader.fail("'rowKey' needs a 'partitionKey'");
      const filter = reader.template('filter');
      if (rowKey && (filter || take))
        reader.fail("'filter' and 'take' are for lists; with 'rowKey' the input is one entity");
      plan.inputs.push({
        kind: 'table',
        name,
        tableName,
        partitionKey,
        rowKey,
        filter,
        take: typeof take === 'number' ? take : undefined,
        account,
      });
      return;
    }
    default:
      unsupported();
  }
}

/** Runs a check of a fixed (expression-free) value, recording what it throws. */
function checkFixed(reader: BindingReader, check: () => unknown): void {
  try {
    check();
  } catch (error) {
    reader.note((error as Error).message);
  }
}

function timerTrigger(metadata: FunctionMetadata, reader: BindingReader, options: IndexOptions): TriggerPlan {
  const text = reader.text('schedule', true);
  let schedule: TimerSchedule;
  try {
    schedule = parseSchedule(text);
  } catch (error) {
    return reader.fail((error as Error).message);
  }
  const zone = options.settings.WEBSITE_TIME_ZONE?.trim();
  if (
    schedule.kind === 'cron' &&
    zone &&
    !/^(utc|etc\/utc|etc\/gmt|gmt|coordinated universal time)$/i.test(zone)
  ) {
    reader.fail(
      `WEBSITE_TIME_ZONE is '${zone}', but this host reads CRON schedules in UTC only: write the schedule in UTC, or unset WEBSITE_TIME_ZONE`,
    );
  }
  const useMonitor = reader.flag('useMonitor', true) && schedule.monitorsAt(options.now);
  if (useMonitor) {
    // The schedule monitor keeps its status in the host's storage.
    let lacks: string | undefined;
    try {
      lacks = options.accounts.get(undefined).lacks('blob');
    } catch (error) {
      lacks = (error as Error).message;
    }
    if (lacks) {
      reader.fail(
        `the schedule monitor keeps the timer's status in AzureWebJobsStorage (set it, e.g. "UseDevelopmentStorage=true" with Azurite, or turn the monitor off with useMonitor: false): ${lacks}`,
      );
    }
  }
  return {
    kind: 'timer',
    schedule,
    runOnStartup: reader.flag('runOnStartup', false),
    useMonitor,
    retry: retryPolicy(metadata, reader),
  };
}

interface RpcRetryOptions {
  strategy?: string;
  retryStrategy?: string;
  maxRetryCount?: number;
  delayInterval?: { seconds?: number };
  minimumInterval?: { seconds?: number };
  maximumInterval?: { seconds?: number };
}

function retryPolicy(metadata: FunctionMetadata, reader: BindingReader): RetryPolicy | undefined {
  const options = metadata.retryOptions as RpcRetryOptions | undefined;
  if (!options) return undefined;
  const strategy = String(options.strategy ?? options.retryStrategy ?? '').toLowerCase();
  const count = options.maxRetryCount;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < -1) {
    return reader.fail(`retry.maxRetryCount must be a whole number (or -1), got ${JSON.stringify(count)}`);
  }
  const seconds = (d: { seconds?: number } | undefined) => (d?.seconds ?? 0) * 1000;
  if (strategy === 'fixeddelay' || strategy === 'fixed_delay') {
    return {
      strategy: 'fixedDelay',
      maxRetryCount: count,
      delayMs: seconds(options.delayInterval),
      maximumMs: 0,
    };
  }
  if (strategy === 'exponentialbackoff' || strategy === 'exponential_backoff') {
    return {
      strategy: 'exponentialBackoff',
      maxRetryCount: count,
      delayMs: seconds(options.minimumInterval),
      maximumMs: seconds(options.maximumInterval),
    };
  }
  return reader.fail(
    `retry.strategy must be fixedDelay or exponentialBackoff, got ${JSON.stringify(options.strategy)}`,
  );
}
