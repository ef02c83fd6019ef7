/**
 * The `signoff-host` command:
 *
 *   signoff-host start [--app DIR] [--port N] [--data DIR] [--host ADDR] [--dev] [--azurite]
 *                      [--clock real|virtual] [--auto-skip] [--always-replay] [--log-level LEVEL]
 *                      [--in-process]
 *   signoff-host token --user ALIAS|OBJECT-ID [--name NAME] [--roles R1,R2] [--valid-for PT8H]
 *                      [--app DIR] [--data DIR]
 */
import path from 'node:path';
import { type ParseArgsConfig, parseArgs as parseNodeArgs } from 'node:util';
import { applyLocalSettings, readHostAuthSettings } from './app';
import { DEFAULT_AUDIENCE, loadDevIssuer, mintDevToken } from './auth/devIssuer';
import { readDevUsers, resolveDevUser } from './auth/devUsers';
import { AZURITE_PID_FILE, type AzuriteHandle, azuritePortsFrom, startAzurite } from './azurite';
import { HostError } from './common/errors';
import { lockDataDir } from './dataLock';
import { parseDuration } from './durable/duration';
import { startHost } from './host';

export class UsageError extends HostError {
  readonly code = 'USAGE';
  readonly retryable = false;
}

const USAGE = `usage: signoff-host start [--app DIR] [--port N] [--data DIR] [--host ADDR] [--dev] [--azurite]
                          [--clock real|virtual] [--auto-skip] [--always-replay] [--log-level LEVEL]
                          [--in-process]
         --dev       development: the dev issuer when SIGNOFF_AUTH_ISSUER is unset, keys printed
         --azurite   also run Azurite (Blob, Queue, Table) for AzureWebJobsStorage (data in DIR/azurite)
         --in-process  run the app on the host's event loop, not in worker processes
                     (FUNCTIONS_WORKER_PROCESS_COUNT); no functionTimeout: for comparisons, debuggers
       signoff-host token --user ALIAS|OBJECT-ID [--name NAME] [--roles R1,R2] [--valid-for PT8H]
                          [--app DIR] [--data DIR]
         prints a bearer token of the dev issuer of DIR (default .data), for a host started with --dev`;

export interface StartOptions {
  command: 'start';
  app: string;
  port: number;
  data: string;
  host: string;
  clock: 'real' | 'virtual';
  autoSkip: boolean;
  alwaysReplay: boolean;
  logLevel: string | undefined;
  azurite: boolean;
  dev: boolean;
  inProcess: boolean;
}

export interface TokenOptions {
  command: 'token';
  app: string;
  data: string;
  user: string;
  name: string | undefined;
  roles: string[] | undefined;
  validForMs: number;
}

export type CliOptions = StartOptions | TokenOptions;

const PROJECT_ROOT = path.resolve(__dirname, '..');

function parseFlags(rest: string[], options: NonNullable<ParseArgsConfig['options']>) {
  try {
    return parseNodeArgs({ args: rest, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0] as string);
  }
}

export function parseArgs(argv: string[]): CliOptions {
  const [command, ...rest] = argv;
  if (command === 'start') return parseStart(rest);
  if (command === 'token') return parseToken(rest);
  throw new UsageError(command ? `unknown command "${command}"` : 'missing command');
}

function parseStart(rest: string[]): StartOptions {
  const v = parseFlags(rest, {
    app: { type: 'string' },
    port: { type: 'string' },
    data: { type: 'string' },
    host: { type: 'string' },
    clock: { type: 'string' },
    'auto-skip': { type: 'boolean' },
    'always-replay': { type: 'boolean' },
    'log-level': { type: 'string' },
    azurite: { type: 'boolean' },
    dev: { type: 'boolean' },
    'in-process': { type: 'boolean' },
  });
  const portText = (v.port as string | undefined) ?? process.env.SIGNOFF_PORT ?? '7071';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535)
    throw new UsageError(`--port must be 0-65535, got "${portText}"`);
  const clock = (v.clock as string | undefined) ?? 'real';
  if (clock !== 'real' && clock !== 'virtual') {
    throw new UsageError(`--clock must be "real" or "virtual", got "${clock}"`);
  }
  return {
    command: 'start',
    app: path.resolve((v.app as string | undefined) ?? PROJECT_ROOT),
    port,
    data: path.resolve((v.data as string | undefined) ?? '.data'),
    host: (v.host as string | undefined) ?? '127.0.0.1',
    clock,
    autoSkip: v['auto-skip'] === true,
    alwaysReplay: v['always-replay'] === true,
    logLevel: v['log-level'] as string | undefined,
    azurite: v.azurite === true,
    dev: v.dev === true,
    inProcess: v['in-process'] === true,
  };
}

function parseToken(rest: string[]): TokenOptions {
  const v = parseFlags(rest, {
    user: { type: 'string' },
    name: { type: 'string' },
    roles: { type: 'string' },
    'valid-for': { type: 'string' },
    app: { type: 'string' },
    data: { type: 'string' },
  });
  const user = (v.user as string | undefined)?.trim();
  if (!user) throw new UsageError('token needs --user (an alias such as megan, or an object id)');
  let validForMs: number;
  try {
    validForMs = parseDuration((v['valid-for'] as string | undefined) ?? 'PT8H');
  } catch (error) {
    throw new UsageError(`--valid-for: ${(error as Error).message}`);
  }
  if (validForMs <= 0) throw new UsageError('--valid-for must be longer than zero');
  const roles = v.roles as string | undefined;
  return {
    command: 'token',
    app: path.resolve((v.app as string | undefined) ?? PROJECT_ROOT),
    data: path.resolve((v.data as string | undefined) ?? '.data'),
    user,
    name: (v.name as string | undefined)?.trim() || undefined,
    roles:
      roles === undefined
        ? undefined
        : roles
            .split(',')
            .map((r) => r.trim())
            .filter(Boolean),
    validForMs,
  };
}

/** A dev token for `opts.user`, signed by the dev issuer of `opts.data`. */
export async function devToken(opts: Omit<TokenOptions, 'command'>): Promise<string> {
  applyLocalSettings(opts.app);
  const issuer = process.env.SIGNOFF_AUTH_ISSUER?.trim();
  if (issuer) {
    throw new UsageError(
      `SIGNOFF_AUTH_ISSUER is set (${issuer}): the host takes tokens from that issuer, not dev tokens`,
    );
  }
  const settings = readHostAuthSettings(opts.app);
  const users = readDevUsers(settings.devUsers);
  const user = resolveDevUser(users, opts.user);
  const audience = process.env.SIGNOFF_AUTH_AUDIENCE?.split(',')[0]?.trim() || DEFAULT_AUDIENCE;
  return mintDevToken(loadDevIssuer(opts.data), {
    oid: user.id,
    name: opts.name ?? user.name,
    username: user.email,
    roles: opts.roles ?? user.roles,
    tenantId: users.tenantId,
    audience,
    validForSeconds: Math.round(opts.validForMs / 1000),
  });
}

export async function main(argv: string[]): Promise<void> {
  let opts: CliOptions;
  try {
    opts = parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`signoff-host: ${error.message}\n${USAGE}`);
    process.exit(2);
  }
  if (opts.command === 'token') {
    try {
      process.stdout.write(`${await devToken(opts)}\n`);
    } catch (error) {
      console.error(`signoff-host token: ${(error as Error).message}`);
      process.exit(2);
    }
    return;
  }
  await start(opts);
}

async function start(opts: StartOptions): Promise<void> {
  // First of all: while another host runs on this directory, its Azurite is not ours to touch.
  const dataLock = lockDataDir(opts.data);
  let azurite: AzuriteHandle | undefined;
  if (opts.azurite) {
    // The PID file lets the next start stop an Azurite this host left behind.
    azurite = await Promise.resolve()
      .then(() =>
        startAzurite({
          ...azuritePortsFrom(process.env),
          dataDir: path.join(opts.data, 'azurite'),
          pidFile: path.join(opts.data, AZURITE_PID_FILE),
        }),
      )
      .catch((error: Error) => {
        console.error(
          `signoff-host: could not start Azurite: ${error.message.split('\n')[0]}; set AZURITE_BLOB_PORT, AZURITE_QUEUE_PORT and AZURITE_TABLE_PORT to free ports (0: any free port)`,
        );
        process.exit(1);
      });
    for (const { service, from, to, why } of azurite.moved) {
      process.stdout.write(
        `Azurite's ${service} service: ${why}, so it listens on free port ${to} instead of ${from}; AzureWebJobsStorage follows (set AZURITE_${service.toUpperCase()}_PORT to choose)\n`,
      );
    }
    // The app's connection setting follows Azurite wherever it listens.
    process.env.AzureWebJobsStorage = azurite.connectionString;
    const at = (port: number) => `http://127.0.0.1:${port}`;
    process.stdout.write(
      `Azurite (Table) on ${at(azurite.tablePort)}, (Blob) on ${at(azurite.blobPort)}, (Queue) on ${at(azurite.queuePort)}, data in ${opts.data}/azurite\n`,
    );
  }
  const host = await startHost({
    appDir: opts.app,
    dataDir: opts.data,
    port: opts.port,
    hostname: opts.host,
    clock: opts.clock,
    autoSkip: opts.autoSkip,
    alwaysReplay: opts.alwaysReplay,
    logLevel: opts.logLevel,
    dev: opts.dev,
    inProcess: opts.inProcess,
    dataLock,
  }).catch(async (error: unknown) => {
    await azurite?.stop();
    dataLock.release();
    throw error;
  });
  // A bug in an app's stray promise must not take the host (and every waiting workflow) down:
  // everything durable is in SQLite, so log it and keep serving.
  process.on('unhandledRejection', (err) => host.logger.error({ err }, 'unhandled promise rejection'));
  process.on('uncaughtException', (err) => host.logger.fatal({ err }, 'uncaught exception'));
  const stop = (signal: string) => {
    host.logger.info({ signal }, 'stopping');
    host
      .close()
      .then(() => azurite?.stop())
      .then(() => dataLock.release())
      .then(
        () => process.exit(0),
        (err: unknown) => {
          console.error(err);
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  // The banner last, in one write (a reader sees it whole): whoever waits for it may stop the
  // host at once, and on a busy machine that signal came before the handlers above otherwise.
  process.stdout.write(`${host.describe().join('\n')}\n`);
}
