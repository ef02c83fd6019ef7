/**
 * `npm run playground` refuses to start on a port in use, naming the port and the process that
 * holds it, before it starts anything.
 */
import { execFile } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { expect, it } from 'vitest';

const SCRIPT = path.resolve('test/e2e/interactive.ts');

function run(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', SCRIPT, ...args], (error, _stdout, stderr) =>
      resolve({ code: error ? (error.code as number) : 0, stderr }),
    );
  });
}

it('names a Playground port in use and the process holding it, and says which flag moves it', async () => {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  try {
    const result = await run(['--playground-port', String(port), '--port', '0']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`port ${port} is in use by PID ${process.pid}`);
    expect(result.stderr).toContain('--playground-port');
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

it('refuses a --playground-port that is not a port', async () => {
  const result = await run(['--playground-port', 'x']);
  expect(result.code).toBe(2);
  expect(result.stderr).toContain('--playground-port needs a port number');
});
