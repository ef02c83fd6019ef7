import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { isPortFree, portHolder, portInUseMessage } from './ports';

describe('ports', () => {
  it('tells a taken port from a free one, and names who holds it', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    try {
      expect(await isPortFree(port)).toBe(false);
      expect(portHolder(port)).toMatchObject({ pid: process.pid });
      expect(portInUseMessage(port)).toMatch(
        new RegExp(`^port ${port} is in use by PID ${process.pid} \\(.*node`),
      );
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect(await isPortFree(port)).toBe(true);
    expect(portHolder(port)).toBeUndefined();
  });
});
