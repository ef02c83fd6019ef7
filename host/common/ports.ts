/**
 * Loopback ports: whether one is free, and, when it is not, who holds it, so that an error can
 * name the cause ("port 10002 is in use by PID 4242: node azurite-table ...") instead of quoting
 * whatever the server that failed to bind printed.
 */
import fs from 'node:fs';
import net from 'node:net';

/** Whether `port` can be bound on 127.0.0.1 right now. */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

export interface PortHolder {
  pid: number;
  command: string;
}

/**
 * The process listening on `port`, read from /proc (Linux); undefined when it cannot be told
 * (another OS, another user's process, or nobody).
 */
export function portHolder(port: number): PortHolder | undefined {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = fs.readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const local = fields[1];
      // State 0A is LISTEN; the inode is the tenth field.
      if (!local || fields[3] !== '0A') continue;
      const hexPort = local.split(':').at(-1);
      if (hexPort && Number.parseInt(hexPort, 16) === port && fields[9]) inodes.add(fields[9]);
    }
  }
  if (inodes.size === 0) return undefined;
  let pids: string[];
  try {
    pids = fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return undefined;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = fs.readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode && inodes.has(inode)) {
        let command = '';
        try {
          command = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
        } catch {
          // gone meanwhile
        }
        return { pid: Number(pid), command: command.slice(0, 200) };
      }
    }
  }
  return undefined;
}

/** "port 56150 is in use by PID 4242 (node …)", or without the holder when it cannot be told. */
export function portInUseMessage(port: number): string {
  const holder = portHolder(port);
  return holder
    ? `port ${port} is in use by PID ${holder.pid} (${holder.command || 'unknown command'})`
    : `port ${port} is in use by another process`;
}
