/**
 * One Agents Playground process: the real `agentsplayground start` CLI, for one mock user (its
 * `currentUser`), on 127.0.0.1, sending to `botEndpoint`, with no browser and no telemetry.
 * Used by the e2e harness (playground.ts) and by `npm run playground` (interactive.ts).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { freePort } from '../../host/azurite';
import { configFor, type MockTenant, type MockUser, personalChatId } from './tenant';

const CLI = createRequire(__filename).resolve('@microsoft/m365agentsplayground/cli.js');
/** Makes the CLI listen on loopback only and refuse outgoing non-loopback connections. */
const LOOPBACK_PRELOAD = path.join(__dirname, 'loopback.cjs');

export interface PlaygroundProcessOptions {
  user: MockUser;
  tenant: MockTenant;
  /** Where the Playground sends activities, e.g. `http://127.0.0.1:7071/api/messages`. */
  botEndpoint: string;
  /** Working directory: the per-user config, the Playground's log and its devTools/ go here. */
  dir: string;
  /** Port to try first (else a free one). */
  port?: number;
}

export class PlaygroundProcess {
  private child: ChildProcess | undefined;
  private output: string[] = [];
  port = 0;

  constructor(readonly options: PlaygroundProcessOptions) {}

  get user(): MockUser {
    return this.options.user;
  }

  /** The web UI, and the base of its REST endpoints. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Where the bot's replies and proactive messages for this user go (`serviceUrl`). */
  get serviceUrl(): string {
    return `${this.url}/_connector`;
  }

  /** The user's personal chat with the bot. */
  get chatId(): string {
    return personalChatId(this.user);
  }

  /** What the CLI printed (its own log file has more: `<dir>/<user>.log`). */
  get logs(): string[] {
    return this.output.join('').split('\n').filter(Boolean);
  }

  async start(): Promise<void> {
    const { dir, user, tenant } = this.options;
    const configPath = path.join(dir, `${user.key}.m365agentsplayground.yml`);
    fs.writeFileSync(configPath, configFor(tenant, user));
    // The service URL is given on the command line, so the port must be known up front; the CLI
    // falls back to a random port when the one asked for is taken: check and retry.
    let port = this.options.port ?? (await freePort());
    for (let attempt = 1; ; attempt++) {
      const actual = await this.spawn(port, configPath);
      if (actual === port) break;
      await this.stop();
      if (attempt === 5) throw new Error(`Playground for ${user.key} kept missing its port`);
      port = await freePort();
    }
    this.port = port;
    const deadline = Date.now() + 10_000;
    while (!(await fetch(`${this.url}/_debug/ping`).catch(() => undefined))?.ok) {
      if (Date.now() > deadline)
        throw new Error(`Playground for ${user.key} did not answer /_debug/ping:\n${this.logs.join('\n')}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  private spawn(port: number, configPath: string): Promise<number> {
    const { dir, user, botEndpoint } = this.options;
    const args = [
      '--require',
      LOOPBACK_PRELOAD,
      CLI,
      'start',
      '--app-endpoint',
      botEndpoint,
      '--channel-id',
      'msteams',
      '--port',
      String(port),
      '--service-url',
      `http://127.0.0.1:${port}/_connector`,
      '--disable-telemetry',
    ];
    this.output = [];
    const child = spawn(process.execPath, args, {
      cwd: dir, // the CLI writes devTools/ under its working directory
      env: {
        ...process.env,
        M365_AGENTS_PLAYGROUND_CONFIG_PATH: configPath,
        M365_AGENTS_PLAYGROUND_LOGFILE: path.join(dir, `${user.key}.log`),
        TEAMSAPPTESTER_BROWSER: 'none', // do not open a browser
        APPLICATION_INSIGHTS_NO_STATSBEAT: 'true',
        NO_PROXY: ['127.0.0.1', 'localhost', process.env.NO_PROXY].filter(Boolean).join(','),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    return new Promise<number>((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        this.output.push(chunk.toString());
        const m = /Listening on (\d+)/.exec(this.output.join(''));
        if (m) resolve(Number(m[1]));
      });
      child.stderr?.on('data', (c: Buffer) => this.output.push(c.toString()));
      child.once('exit', (code) =>
        reject(new Error(`Playground for ${user.key} exited with ${code}:\n${this.output.join('')}`)),
      );
    });
  }

  /** SIGTERM, SIGKILL after 3 s. */
  stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }
}
