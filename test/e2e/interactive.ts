/**
 * `npm run playground`: Signoff with the Agents Playground in front of it, to try by hand.
 *
 *   npm run playground                      # Patti (requester) and Megan (manager)
 *   npm run playground -- --users patti,megan,adele --port 7071 --data .data
 *
 * Starts the embedded host with Azurite in dev mode (`signoff-host start --azurite --dev`), then one Playground
 * per user of `.m365agentsplayground.yml` named in --users (first on port 56150, then 56151, ...),
 * each its own Teams-like window. Prints the URLs to open; Ctrl-C stops everything.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PlaygroundProcess } from './playgroundProcess';
import { loadTenant } from './tenant';

const ROOT = path.resolve(__dirname, '..', '..');
const HOST_BIN = path.join(ROOT, 'host', 'bin', 'signoff-host.cjs');
const FIRST_PLAYGROUND_PORT = 56150;

interface Options {
  users: string[];
  port: string;
  data: string;
}

function parseArgs(argv: string[]): Options {
  const opts: Options = { users: ['patti', 'megan'], port: '7071', data: path.join(ROOT, '.data') };
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    switch (argv[i]) {
      case '--users':
        if (!value) throw new Error('--users needs a comma-separated list, e.g. patti,megan');
        opts.users = value.split(',').map((u) => u.trim().toLowerCase());
        i++;
        break;
      case '--port':
        if (!value || !/^\d+$/.test(value)) throw new Error('--port needs a number');
        opts.port = value;
        i++;
        break;
      case '--data':
        if (!value) throw new Error('--data needs a directory');
        opts.data = path.resolve(value);
        i++;
        break;
      default:
        throw new Error(
          `unknown option ${argv[i]}; usage: npm run playground -- [--users a,b] [--port N] [--data DIR]`,
        );
    }
  }
  return opts;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const tenant = loadTenant();
  const users = opts.users.map((key) => {
    const user = tenant.users.find((u) => u.key === key);
    if (!user) throw new Error(`unknown user "${key}"; known: ${tenant.users.map((u) => u.key).join(', ')}`);
    return user;
  });

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
        port: FIRST_PLAYGROUND_PORT + i,
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
