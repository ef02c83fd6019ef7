/**
 * The crash soak: `n` loan approvals are parked, then their decisions are sent with `inFlight`
 * requests at a time while the host is killed with SIGKILL `rounds` times at random moments
 * (under that load: mid-episode, mid-commit, while its Azurite writes) and restarted on the same
 * data. Clients behave as real ones: every decision carries an Idempotency-Key and is retried,
 * with the same key, after a dropped connection or a 5xx, until it is acknowledged; a
 * second-stage decision is sent once the request shows that stage.
 *
 * Afterwards it checks every request against what the clients were told, and reports one JSON
 * object: requests lost, acknowledged decisions lost, decisions recorded twice, requests stuck
 * (not Approved once everything settled), and audit or index rows that disagree with the
 * workflow's status. Used by test/crash-soak.test.ts (a few rounds) and
 * `npm run soak -- crash --n 1000 --rounds 20`.
 */
import { randomUUID } from 'node:crypto';
import type { HttpResult, TestHost } from '../../host/testing';

export interface CrashSoakOptions {
  n: number;
  rounds: number;
  /** Decisions in flight at once. */
  inFlight?: number;
  /** Seed of the kill moments and the request mix (random when absent). */
  seed?: number;
  /** Progress lines (to stderr in the CLI). */
  progress?: (line: string) => void;
}

export interface CrashSoakReport {
  soak: 'crash';
  approvals: number;
  rounds: number;
  kills: number;
  decisions: number;
  acknowledged: number;
  /** Requests sent, and how many of them were retries. */
  requests: number;
  retries: number;
  /** Decisions in flight at each kill. */
  inFlightAtKills: number[];
  lost: number;
  lostDecisions: number;
  duplicated: number;
  stuck: number;
  auditMismatches: number;
  indexMismatches: number;
  /** The first few problems, for a human to start from. */
  problems: string[];
  seconds: number;
}

/** The dev users of the bundled policy: a loan up to 10,000 needs Megan; up to 50,000 Megan, then Diego. */
const MEGAN = { alias: 'megan', id: '00000000-0000-0000-0000-00000000a001' };
const DIEGO = { alias: 'diego', id: '00000000-0000-0000-0000-00000000a004' };
const PLANS = [
  { amount: 5_000, approvers: [MEGAN] },
  { amount: 45_000, approvers: [MEGAN, DIEGO] },
];

interface Approval {
  id: string;
  approvers: Array<{ alias: string; id: string }>;
  /** Decisions acknowledged (202/200), by stage. */
  acknowledged: number;
}

interface Detail {
  state: string;
  stage?: { index: number };
  decisions: Array<{ stage: number; approver: { id: string } }>;
  audit: Array<{ key: string; type: string; actor: string }> | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A small seeded generator (mulberry32), so that a run can be repeated. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function crashSoak(host: TestHost, options: CrashSoakOptions): Promise<CrashSoakReport> {
  const started = Date.now();
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const rand = random(seed);
  const inFlight = options.inFlight ?? 50;
  const say = options.progress ?? (() => {});
  let requests = 0;
  let retries = 0;
  let restarting: Promise<void> | undefined;

  /** One call as a real client makes it: retried after a dropped connection, a 5xx or a 409 in-use key. */
  async function call<T>(send: () => Promise<HttpResult<T>>): Promise<HttpResult<T>> {
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) retries++;
      if (restarting) await restarting;
      requests++;
      try {
        const res = await send();
        const inUse = res.status === 409 && (res.body as { code?: string } | null)?.code === 'KEY_IN_USE';
        if (res.status < 500 && !inUse) return res;
      } catch {
        // The host went away mid-request: try again.
      }
      if (attempt > 2000) throw new Error('gave up after 2000 attempts');
      await sleep(Math.min(1000, 50 * 2 ** Math.min(attempt, 5)) * (0.5 + rand()));
    }
  }

  // Park the requests (no kills yet), `inFlight` at a time.
  const approvals: Approval[] = [];
  const plans = Array.from(
    { length: options.n },
    () => PLANS[Math.floor(rand() * PLANS.length)] as (typeof PLANS)[0],
  );
  await pool(plans, inFlight, async (plan, i) => {
    const res = await call(() =>
      host.as('patti').post<{ id: string }>('/api/approvals/loan', {
        details: {
          applicant: `Soak ${i}`,
          amount: plan.amount,
          currency: 'EUR',
          purpose: 'soak',
          termMonths: 24,
        },
      }),
    );
    if (res.status !== 202)
      throw new Error(`starting request ${i} answered ${res.status}: ${JSON.stringify(res.body)}`);
    approvals.push({ id: res.body.id, approvers: plan.approvers, acknowledged: 0 });
  });
  await host.idle();
  say(`parked ${approvals.length} requests in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  // The decisions, each stage once its request shows it; kills at random points of the run.
  const decisions = approvals.reduce((sum, a) => sum + a.approvers.length, 0);
  const killAt = Array.from({ length: options.rounds }, () => Math.floor(rand() * decisions)).sort(
    (a, b) => a - b,
  );
  const inFlightAtKills: number[] = [];
  let acknowledged = 0;
  let running = 0;
  const problems: string[] = [];

  let killing = false;
  async function maybeKill(): Promise<void> {
    if (killing) return;
    killing = true;
    try {
      while (killAt.length > 0 && (killAt[0] as number) <= acknowledged) {
        killAt.shift();
        // A random moment after the threshold, so that kills land anywhere in an episode.
        await sleep(rand() * 40);
        inFlightAtKills.push(running);
        restarting = (async () => {
          await host.kill();
          await host.restart();
        })();
        await restarting;
        restarting = undefined;
        say(
          `kill ${inFlightAtKills.length}/${options.rounds} with ${inFlightAtKills.at(-1)} decisions in flight`,
        );
      }
    } finally {
      killing = false;
    }
  }

  async function decideAll(approval: Approval): Promise<void> {
    for (let stage = 0; stage < approval.approvers.length; stage++) {
      const approver = approval.approvers[stage] as (typeof approval.approvers)[0];
      // Wait until the request is at this stage (the previous decision is processed asynchronously).
      for (let polls = 0; ; polls++) {
        const res = await call(() => host.as('patti').get<Detail>(`/api/approvals/${approval.id}`));
        if (res.status !== 200) throw new Error(`${approval.id}: status answered ${res.status}`);
        if (res.body.state === 'Pending' && (res.body.stage?.index ?? 0) >= stage) break;
        if (res.body.state !== 'Pending') {
          problems.push(`${approval.id}: ${res.body.state} before stage ${stage} was decided`);
          return;
        }
        await sleep(Math.min(500, 20 * (polls + 1)));
      }
      const key = { 'Idempotency-Key': randomUUID() };
      running++;
      const res = await call(() =>
        host.as(approver.alias).post(`/api/approvals/${approval.id}/decision`, { decision: 'approve' }, key),
      ).finally(() => running--);
      if (res.status !== 202 && res.status !== 200) {
        problems.push(
          `${approval.id}: ${approver.alias}'s decision answered ${res.status} ${JSON.stringify(res.body)}`,
        );
        return;
      }
      approval.acknowledged++;
      acknowledged++;
      void maybeKill();
    }
  }

  const decisionsStarted = Date.now();
  await pool(approvals, inFlight, decideAll);
  while (restarting) await restarting;
  say(`${acknowledged} decisions acknowledged in ${((Date.now() - decisionsStarted) / 1000).toFixed(1)} s`);

  // Let everything settle, then compare.
  const settleUntil = Date.now() + 120_000;
  let details = new Map<string, HttpResult<Detail>>();
  for (;;) {
    await call(async () => {
      await host.idle();
      return { status: 200, headers: new Headers(), body: null };
    });
    details = new Map();
    await pool(approvals, inFlight, async (a) => {
      details.set(a.id, await call(() => host.as('patti').get<Detail>(`/api/approvals/${a.id}`)));
    });
    const open = [...details.values()].filter((d) => d.status === 200 && d.body.state === 'Pending').length;
    if (open === 0 || Date.now() > settleUntil) break;
    await sleep(1000);
  }

  let lost = 0;
  let lostDecisions = 0;
  let duplicated = 0;
  let stuck = 0;
  let auditMismatches = 0;
  const note = (text: string) => {
    if (problems.length < 20) problems.push(text);
  };
  for (const a of approvals) {
    const res = details.get(a.id);
    if (!res || res.status !== 200) {
      lost++;
      note(`${a.id}: lost (status answered ${res?.status})`);
      continue;
    }
    const d = res.body;
    if (d.state !== 'Approved') {
      stuck++;
      note(`${a.id}: ${d.state} at stage ${d.stage?.index} after settling`);
    }
    const seen = new Set<string>();
    for (const dec of d.decisions) {
      const k = `${dec.stage}|${dec.approver.id}`;
      if (seen.has(k)) {
        duplicated++;
        note(`${a.id}: decision ${k} recorded twice`);
      }
      seen.add(k);
    }
    a.approvers.slice(0, a.acknowledged).forEach((approver, stage) => {
      if (!seen.has(`${stage}|${approver.id}`)) {
        lostDecisions++;
        note(`${a.id}: acknowledged decision of ${approver.alias} at stage ${stage} not recorded`);
      }
    });
    const audit = d.audit ?? [];
    const count = (type: string) => audit.filter((e) => e.type === type).length;
    const auditActors = audit.filter((e) => e.type === 'decision').map((e) => e.actor);
    const statusActors = d.decisions.map((dec) => dec.approver.id);
    const auditOk =
      d.audit !== null &&
      count('requested') === 1 &&
      count('outcome') === (d.state === 'Pending' ? 0 : 1) &&
      JSON.stringify(auditActors) === JSON.stringify(statusActors);
    if (!auditOk) {
      auditMismatches++;
      note(
        `${a.id}: audit ${JSON.stringify(audit.map((e) => e.key))} against decisions ${JSON.stringify(statusActors)}`,
      );
    }
  }

  // The requester's index: one row per request, in the state its workflow says.
  const indexed = new Map<string, string>();
  let token: string | undefined;
  do {
    const query = `/api/approvals?pageSize=100${token ? `&continuationToken=${encodeURIComponent(token)}` : ''}`;
    const page = await call(() =>
      host
        .as('patti')
        .get<{ items: Array<{ id: string; state: string }>; continuationToken?: string }>(query),
    );
    for (const item of page.body.items) indexed.set(item.id, item.state);
    token = page.body.continuationToken;
  } while (token);
  let indexMismatches = 0;
  for (const a of approvals) {
    const state = details.get(a.id)?.body?.state;
    if (indexed.get(a.id) !== state) {
      indexMismatches++;
      note(`${a.id}: index says ${indexed.get(a.id)}, the workflow ${state}`);
    }
  }

  return {
    soak: 'crash',
    approvals: approvals.length,
    rounds: options.rounds,
    kills: inFlightAtKills.length,
    decisions,
    acknowledged,
    requests,
    retries,
    inFlightAtKills,
    lost,
    lostDecisions,
    duplicated,
    stuck,
    auditMismatches,
    indexMismatches,
    problems: problems.slice(0, 20),
    seconds: Math.round((Date.now() - started) / 100) / 10,
  };
}

/** Runs `work` over `items`, `size` at a time. */
async function pool<T>(
  items: T[],
  size: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await work(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker));
}
