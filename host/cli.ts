/**
 * `signoff-host start [--app DIR] [--port N] [--data DIR] [--host ADDR] [--clock real|virtual]
 * [--auto-skip] [--always-replay] [--log-level LEVEL] [--azurite]`
 */
import path from 'node:path';
import { type AzuriteHandle, startAzurite } from './azurite';
import { startHost } from './host';

export class UsageError extends Error {
  readonly code = 'USAGE';
}

const USAGE = `usage: signoff-host start [--app DIR] [--port N] [--data DIR] [--host ADDR]
                          [--clock real|virtual] [--auto-skip] [--always-replay] [--log-level LEVEL]
                          [--azurite]   also run Azurite for AzureWebJobsStorage (data in DIR/azurite)`;

export interface CliOptions {
  app: string;
  port: number;
  data: string;
  host: string;
  clock: 'real' | 'virtual';
  autoSkip: boolean;
  alwaysReplay: boolean;
  logLevel: string | undefined;
  azurite: boolean;
}

const PROJECT_ROOT = path.resolve(__dirname, '..');

export function parseArgs(argv: string[]): CliOptions {
  const [command, ...rest] = argv;
  if (command !== 'start') throw new UsageError(command ? `unknown command "${command}"` : 'missing command');
  const opts: CliOptions = {
    app: PROJECT_ROOT,
    port: Number(process.env.SIGNOFF_PORT ?? 7071),
    data: path.resolve('.data'),
    host: '127.0.0.1',
    clock: 'real',
    autoSkip: false,
    alwaysReplay: false,
    logLevel: undefined,
    azurite: false,
  };
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i] as string;
    const value = () => {
      const v = rest[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--app':
        opts.app = path.resolve(value());
        break;
      case '--port': {
        const v = value();
        const port = Number(v);
        if (!Number.isInteger(port) || port < 0 || port > 65535)
          throw new UsageError(`--port must be 0-65535, got "${v}"`);
        opts.port = port;
        break;
      }
      case '--data':
        opts.data = path.resolve(value());
        break;
      case '--host':
        opts.host = value();
        break;
      case '--clock': {
        const v = value();
        if (v !== 'real' && v !== 'virtual')
          throw new UsageError(`--clock must be "real" or "virtual", got "${v}"`);
        opts.clock = v;
        break;
      }
      case '--auto-skip':
        opts.autoSkip = true;
        break;
      case '--always-replay':
        opts.alwaysReplay = true;
        break;
      case '--azurite':
        opts.azurite = true;
        break;
      case '--log-level':
        opts.logLevel = value();
        break;
      default:
        throw new UsageError(`unknown option "${flag}"`);
    }
  }
  return opts;
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
  let azurite: AzuriteHandle | undefined;
  if (opts.azurite) {
    const port = Number(process.env.AZURITE_TABLE_PORT ?? 10002);
    azurite = await startAzurite({ port, dataDir: path.join(opts.data, 'azurite') }).catch((error: Error) => {
      console.error(
        `signoff-host: could not start Azurite on port ${port} (${error.message.split('\n')[0]}); set AZURITE_TABLE_PORT to a free port`,
      );
      process.exit(1);
    });
    process.env.AzureWebJobsStorage = azurite.connectionString;
    process.stdout.write(
      `Azurite (Table) on http://127.0.0.1:${azurite.tablePort}, data in ${opts.data}/azurite\n`,
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
    functionKey: process.env.SIGNOFF_FUNCTION_KEY,
  });
  // A bug in an app's stray promise must not take the host (and every waiting workflow) down:
  // everything durable is in SQLite, so log it and keep serving.
  process.on('unhandledRejection', (err) => host.logger.error({ err }, 'unhandled promise rejection'));
  process.on('uncaughtException', (err) => host.logger.fatal({ err }, 'uncaught exception'));
  for (const line of host.describe()) process.stdout.write(`${line}\n`);
  const stop = (signal: string) => {
    host.logger.info({ signal }, 'stopping');
    host
      .close()
      .then(() => azurite?.stop())
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
}
