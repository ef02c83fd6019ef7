/**
 * The host's own endpoints under /admin: its status, idleness, and the clock (reading it; with
 * `--clock virtual`, moving it and turning auto-skip on or off).
 */
import type http from 'node:http';
import { VirtualClock } from '../durable/clock';
import { parseDuration } from '../durable/duration';
import type { Engine } from '../durable/engine';
import { send } from './body';
import type { ServerContext } from './context';

export async function admin(
  ctx: ServerContext,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
  body: Buffer,
): Promise<void> {
  const path = url.pathname.replace(/\/+$/, '');
  const engine = ctx.engine;
  const clock = engine.clock;
  if (path === '/admin/host/status' && req.method === 'GET') {
    return send(res, 200, {
      state: 'Running',
      id: 'signoff-host',
      processUptime: Math.round(process.uptime() * 1000),
    });
  }
  if (path === '/admin/host/idle' && req.method === 'GET') {
    await engine.whenIdle();
    return send(res, 200, clockState(engine));
  }
  if (path === '/admin/clock' && req.method === 'GET') return send(res, 200, clockState(engine));
  if (path.startsWith('/admin/clock/')) {
    if (!(clock instanceof VirtualClock)) {
      return send(res, 409, { error: 'The host runs on the real clock; start it with --clock virtual' });
    }
    let args: Record<string, unknown> = {};
    if (body.length > 0) {
      try {
        args = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      } catch {
        return send(res, 400, { error: 'The body must be JSON' });
      }
    }
    if (path === '/admin/clock/advance' && req.method === 'POST') {
      const by = args.by ?? url.searchParams.get('by');
      if (typeof by !== 'string')
        return send(res, 400, { error: 'advance needs "by", an ISO 8601 duration like "P2D"' });
      let ms: number;
      try {
        ms = parseDuration(by);
      } catch (error) {
        return send(res, 400, { error: (error as Error).message });
      }
      await advanceSettled(engine, clock, clock.now() + ms);
      return send(res, 200, clockState(engine));
    }
    if (path === '/admin/clock/autoskip' && req.method === 'POST') {
      if (typeof args.enabled !== 'boolean')
        return send(res, 400, { error: 'autoskip needs {"enabled": true|false}' });
      clock.autoSkip = args.enabled;
      if (clock.autoSkip) engine.clockMoved();
      return send(res, 200, clockState(engine));
    }
  }
  return send(res, 404, { error: `No admin endpoint ${req.method} ${path}` });
}

/** Moves the virtual clock to `target` one due timer at a time, letting the work each one causes settle. */
async function advanceSettled(engine: Engine, clock: VirtualClock, target: number): Promise<void> {
  await engine.whenIdle();
  for (;;) {
    const next = engine.nextTimer;
    if (next === undefined || next > target) break;
    clock.advance(Math.max(0, next - clock.now()));
    engine.clockMoved();
    await engine.whenIdle();
  }
  if (clock.now() < target) clock.advance(target - clock.now());
  engine.clockMoved();
  await engine.whenIdle();
}

function clockState(engine: Engine): Record<string, unknown> {
  const clock = engine.clock;
  const next = engine.nextTimer;
  return {
    kind: clock.kind,
    now: new Date(clock.now()).toISOString(),
    autoSkip: clock instanceof VirtualClock ? clock.autoSkip : false,
    nextTimer: next === undefined ? null : new Date(next).toISOString(),
  };
}
