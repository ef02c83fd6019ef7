/**
 * `npm run playground`: Signoff with the Agents Playground in front of it, to try by hand.
 *
 *   npm run playground                      # Patti (requester) and Megan (manager)
 *   npm run playground -- --users patti,megan,adele --port 7071 --playground-port 56150 --data .data
 *
 * Starts the embedded host with Azurite in dev mode (`signoff-host start --azurite --dev`), then one Playground
 * per user of `.m365agentsplayground.yml` named in --users (on --playground-port, 56150 by
 * default, then the next ports), each its own Teams-like window. A port in use stops it before
 * anything starts, naming the port and the process that holds it. Prints the URLs to open;
 * Ctrl-C stops everything.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { isPortFree, portInUseMessage } from '../../host/common/ports';
import { PlaygroundProcess } from './playgroundProcess';
import { loadTenant } from './tenant';

const ROOT = path.resolve(__dirname, '..', '..');
const HOST_BIN = path.join(ROOT, 'host', 'bin', 'signoff-host.cjs');
const FIRST_PLAYGROUND_PORT = 56150;

const USAGE = 'usage: npm run playground -- [--users a,b] [--port N] [--playground-port N] [--data DIR]';

class PlaygroundUsageError extends Error {
  readonly code = 'PLAYGROUND_USAGE';
}

interface Options {
  users: string[];
  port: string;
  playgroundPort: number;
  data: string;
}

function parseOptions(argv: string[]): Options {
  const opts: Options = {
    users: ['patti', 'megan'],
    port: '7071',
    playgroundPort: FIRST_PLAYGROUND_PORT,
    data: path.join(ROOT, '.data'),
  };
  // Not strict: a flag without its value, or anything else, gets one of the messages below.
  const { tokens } = parseArgs({
    args: argv,
    options: {
      users: { type: 'string' },
      port: { type: 'string' },
      'playground-port': { type: 'string' },
      data: { type: 'string' },
    },
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  for (const token of tokens) {
    const [flag, value] = token.kind === 'option' ? [token.rawName, token.value] : [];
    switch (flag) {
      case '--users':
        if (!value) throw new PlaygroundUsageError('--users needs a comma-separated list, e.g. patti,megan');
        opts.users = value.split(',').map((u) => u.trim().toLowerCase());
        break;
      case '--port':
        if (!value || !/^\d+$/.test(value)) throw new PlaygroundUsageError('--port needs a number');
        opts.port = value;
        break;
      case '--playground-port':
        if (!value || !/^\d+$/.test(value) || Number(value) > 65535)
          throw new PlaygroundUsageError(
            '--playground-port needs a port number (the first Playground; the others follow)',
          );
        opts.playgroundPort = Number(value);
        break;
      case '--data':
        if (!value) throw new PlaygroundUsageError('--data needs a directory');
        opts.data = path.resolve(value);
        break;
      default:
        throw new PlaygroundUsageError(`unknown option ${argv[token.index]}`);
    }
  }
  return opts;
}

async function main(): Promise<void> {
  let opts: Options;
  try {
    opts = parseOptions(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof PlaygroundUsageError)) throw error;
    console.error(`npm run playground: ${error.message}\n${USAGE}`);
    process.exit(2);
  }
  const tenant = loadTenant();
  const users = opts.users.map((key) => {
    const user = tenant.users.find((u) => u.key === key);
    if (!user) throw new Error(`unknown user "${key}"; known: ${tenant.users.map((u) => u.key).join(', ')}`);
    return user;
  });

  // Every port first, so that a clash is named before anything starts.
  const wanted = [Number(opts.port), ...users.map((_, i) => opts.playgroundPort + i)];
  for (const port of wanted) {
    if (!(await isPortFree(port))) {
      const flag = port === Number(opts.port) ? '--port' : '--playground-port';
      throw new PlaygroundUsageError(`${portInUseMessage(port)}; choose another with ${flag}`);
    }
  }

  const host = spawn(
    process.execPath,
    [HOST_BIN, 'start', '--azurite', '--dev', '--port', opts.port, '--data', opts.data],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const hostUrl = await new Promise<string>((resolve, reject) => {
    let out = '';
    host.stdout?.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk);
      out += chunk.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1] as string);
    });
    host.once('exit', (code) => reject(new Error(`the host exited with ${code} before listening`)));
  });

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'signoff-playground-'));
  const playgrounds = users.map(
    (user, i) =>
      new PlaygroundProcess({
        user,
        tenant,
        botEndpoint: `${hostUrl}/api/messages`,
        dir,
        port: opts.playgroundPort + i,
      }),
  );
  const stop = async () => {
    await Promise.all(playgrounds.map((p) => p.stop()));
    host.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void stop().then(() => process.exit(0)));
  process.once('SIGTERM', () => void stop().then(() => process.exit(0)));
  host.once('exit', (code) => {
    console.error(`signoff host exited (${code}); stopping the Playgrounds`);
    void stop().then(() => process.exit(1));
  });

  try {
    await Promise.all(playgrounds.map((p) => p.start()));
  } catch (error) {
    await stop();
    throw error;
  }
  console.log(`\nSignoff bot: ${hostUrl}/api/messages`);
  console.log('Microsoft 365 Agents Playground, one window per user (open in a browser):');
  for (const p of playgrounds) {
    const role = p.user.key === tenant.requester.key ? 'requester' : 'approver';
    console.log(`  ${p.user.name.padEnd(18)} (${role}): ${p.url}/`);
  }
  console.log('Each window installs the app for its user when opened. Ctrl-C stops everything.\n');
}

main().catch((error: unknown) => {
  console.error(`npm run playground: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
