// Preloaded (`node --require`) into a child process the host spawns (lifeline.ts): the child ends
// when the host does, however the host ends, kill -9 included. The host holds one end of a pipe
// whose other end is this process's file descriptor SIGNOFF_LIFELINE_FD; only the operating
// system closes the host's end, when the host process is gone, and then this end reads EOF.
// Plain JavaScript: it runs before any TypeScript support is loaded.
'use strict';

const fd = Number(process.env.SIGNOFF_LIFELINE_FD);
// Not for the child's own children: they do not have this descriptor.
delete process.env.SIGNOFF_LIFELINE_FD;

if (Number.isInteger(fd) && fd > 2) {
  const net = require('node:net');
  const lifeline = new net.Socket({ fd, readable: true, writable: false });
  let gone = false;
  const onHostGone = () => {
    if (gone) return;
    gone = true;
    // SIGINT first: Azurite closes cleanly on it (and saves its data); then the hard way.
    setTimeout(() => process.exit(1), 5000).unref();
    // A second SIGINT while it closes (the next host stopping a leftover Azurite sends one) would
    // find Azurite's one-time handler gone and kill it before it saved: from here on, only the
    // first one counts.
    process.on('SIGINT', () => undefined);
    // Its output has nowhere to go from here.
    for (const stream of [process.stdout, process.stderr]) stream.write = () => true;
    process.kill(process.pid, 'SIGINT');
  };
  // The host reads this process's output through pipes; once it is gone, a write to them fails
  // with EPIPE, which would crash this process before it closed (and, for Azurite, saved). That
  // can come before the lifeline's EOF: either one means the host is gone.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error) => {
      if (error.code !== 'EPIPE') throw error;
      onHostGone();
    });
  }
  lifeline.on('data', () => undefined);
  lifeline.once('end', onHostGone);
  lifeline.once('close', onHostGone);
  lifeline.once('error', onHostGone);
  // The lifeline alone does not keep the child running.
  lifeline.unref();
}
