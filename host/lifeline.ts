/**
 * Child processes that end with the host. A Node child spawned here preloads lifeline.cjs, which
 * watches a pipe whose other end only this process holds: when this process is gone, by any
 * signal including SIGKILL, the operating system closes that end and the child stops itself
 * (SIGINT to itself, then exit after 5 s). Nothing polls, and nothing depends on the child being
 * told.
 */
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import path from 'node:path';

const PRELOAD = path.join(__dirname, 'lifeline.cjs');
const FD = 3;

/**
 * Runs `node <args>` as a child that ends when this process ends. Its stdio is `stdio` (stdin,
 * stdout, stderr); descriptor 3 is the lifeline.
 */
export function spawnTiedNode(
  args: string[],
  options: Omit<SpawnOptions, 'stdio'> & {
    stdio?: ['ignore' | 'pipe', 'ignore' | 'pipe', 'ignore' | 'pipe'];
  } = {},
): ChildProcess {
  const child = spawn(process.execPath, ['--require', PRELOAD, ...args], {
    ...options,
    env: { ...(options.env ?? process.env), SIGNOFF_LIFELINE_FD: String(FD) },
    stdio: [...(options.stdio ?? ['ignore', 'pipe', 'pipe']), 'pipe'],
  });
  // This end is never read or written; it only has to stay open, and must not keep this
  // process running by itself.
  const lifeline = child.stdio[FD] as Socket | null;
  lifeline?.on('error', () => undefined).unref();
  return child;
}
