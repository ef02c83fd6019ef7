// Preloaded into the Agents Playground CLI (`node --require`) by test/e2e/playground.ts and
// `npm run playground`. The CLI has no listen-address option and binds every interface; this
// makes every server it opens listen on 127.0.0.1 instead, and refuses outgoing TCP connections
// to anything but loopback (its telemetry SDK is the only thing that would try; with
// --disable-telemetry nothing is sent, and this keeps it that way offline). Refusals are
// reported on stderr as `[loopback] refused ...`.
const net = require('node:net');

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost', '::ffff:127.0.0.1']);

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function listenOnLoopback(...args) {
  const first = args[0];
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    if (typeof args[1] !== 'string') args.splice(1, 0, '127.0.0.1');
  } else if (first && typeof first === 'object' && first.path === undefined && !first.host) {
    args[0] = { ...first, host: '127.0.0.1' };
  }
  return listen.apply(this, args);
};

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function connectToLoopbackOnly(...args) {
  const first = args[0];
  // net.connect() and http hand over their already normalized arguments as one array.
  const options = Array.isArray(first) ? first[0] : first && typeof first === 'object' ? first : undefined;
  const host = options ? options.host : typeof args[1] === 'string' ? args[1] : undefined;
  // A pipe has a path and no port (http passes `path: null` along with host and port).
  const isPipe = options
    ? typeof options.path === 'string' && options.port === undefined
    : typeof first === 'string' && !/^\d+$/.test(first);
  if (!isPipe && host !== undefined && !LOOPBACK.has(String(host).toLowerCase())) {
    const port = options ? options.port : first;
    process.stderr.write(`[loopback] refused connection to ${host}:${port}\n`);
    const error = Object.assign(new Error(`connect ECONNREFUSED ${host}:${port} (loopback only)`), {
      code: 'ECONNREFUSED',
    });
    process.nextTick(() => this.destroy(error));
    return this;
  }
  return connect.apply(this, args);
};
