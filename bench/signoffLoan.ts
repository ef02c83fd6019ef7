/**
 * signoff-loan-N (issue 18, N = 1000): Signoff's own approval path, end to end, on the embedded
 * host running the real function app (`--app .`, worker processes as by default).
 *
 * 1. Azurite (in memory) behind a counting proxy (tableProxy.ts) for the app's tables; a
 *    loopback stand-in for the Bot Connector (test/support/connector.ts): Teams cannot exist
 *    here, so the bot's sends and updates land there and are timed there.
 * 2. The approver (Megan, of dev-users.json) installs the bot: a `conversationUpdate` on
 *    /api/messages stores her conversation with the stand-in's URL as its serviceUrl.
 * 3. N small loans are started through `POST /api/approvals/loan` with bearer tokens of the
 *    host's dev issuer (real RS256 tokens the host validates as it validates Entra's); the bundled
 *    policy routes each to Megan, and the workflow posts her approval card through the bot. Timed
 *    until every card has reached the stand-in (`cardsPostedPerSec`).
 * 4. One `Action.Execute` approve click per request on /api/messages (an `adaptiveCard/action`
 *    invoke replying to that card), 50 in flight, each timed from sending the invoke until the
 *    workflow's update of that card (a PUT of the clicked activity) reaches the stand-in.
 * 5. The same for a further batch, one click at a time.
 *
 * The bot runs as `signoff-host start --dev` runs it: without Bot Framework credentials, so the
 * invokes carry no channel token. With credentials the bot would fetch its outbound token from
 * Entra ID through MSAL, which accepts only https authorities, and none can be reached here.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readHostAuthSettings } from '../host/app';
import { DEFAULT_AUDIENCE, loadDevIssuer, mintDevToken } from '../host/auth/devIssuer';
import { DEV_TENANT, readDevUsers, resolveDevUser } from '../host/auth/devUsers';
import { startAzurite } from '../host/azurite';
import { type ConnectorCall, FakeConnector } from '../test/support/connector';
import type { Figures } from './benchRun';
import { DurableClient } from './durableClient';
import { BENCH_TREE, BenchHost, processTreeCpuMs, processTreeMemory, tempDataDir } from './hostProcess';
import { runPool } from './pool';
import { progress } from './progress';
import { latencyFigures, MIB, round } from './stats';
import { CountingTableProxy } from './tableProxy';

const IN_FLIGHT = 50;
/** Requests clicked one at a time after the main phase (BENCH_SERIAL_N overrides). */
const SERIAL_N = Number(process.env.BENCH_SERIAL_N ?? 200);
const STALL_MS = Number(process.env.BENCH_STALL_MS ?? 120_000);
const TENANT = 'tenant-1';

const MEGAN = { aad: '00000000-0000-0000-0000-00000000a001', mri: '29:megan', name: 'Megan Bowen' };
const CHAT = 'a:chat-megan';

const REQUEST_ID = /"requestId":"([^"]+)"/;

/** Waits on the connector: the card posted for each request, and the next update of a card. */
class CardWatch {
  /** request id → the activity id the stand-in gave its approval card. */
  readonly posted = new Map<string, string>();
  private readonly postWaiters = new Map<string, () => void>();
  private readonly updateWaiters = new Map<string, (call: ConnectorCall) => void>();
  lastChange = Date.now();

  constructor(connector: FakeConnector) {
    connector.onCall = (call) => this.seen(call);
  }

  private seen(call: ConnectorCall): void {
    if (call.conversationId !== CHAT) return;
    if (call.method === 'POST' && call.assignedId) {
      const id = REQUEST_ID.exec(JSON.stringify(call.body.attachments ?? []))?.[1];
      if (!id || this.posted.has(id)) return;
      this.posted.set(id, call.assignedId);
      this.lastChange = Date.now();
      this.postWaiters.get(id)?.();
      this.postWaiters.delete(id);
    } else if (call.method === 'PUT' && call.activityId) {
      const waiter = this.updateWaiters.get(call.activityId);
      if (!waiter) return;
      this.updateWaiters.delete(call.activityId);
      waiter(call);
    }
  }

  /** Resolves once every id has its card posted; fails after STALL_MS without a new card. */
  async allPosted(ids: readonly string[], onProgress: (n: number) => void): Promise<void> {
    let last = -1;
    for (;;) {
      const n = ids.filter((id) => this.posted.has(id)).length;
      if (n === ids.length) return;
      if (n !== last) onProgress(n);
      last = n;
      if (Date.now() - this.lastChange > STALL_MS)
        throw new Error(`only ${n} of ${ids.length} approval cards posted; none for ${STALL_MS} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** The next update (PUT) of activity `activityId`, registered before the click is sent. */
  nextUpdate(activityId: string): Promise<ConnectorCall> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no card update of ${activityId} within ${STALL_MS} ms`)),
        STALL_MS,
      );
      this.updateWaiters.set(activityId, (call) => {
        clearTimeout(timer);
        resolve(call);
      });
    });
  }
}

let seq = 0;
function activity(serviceUrl: string, fields: Record<string, unknown>) {
  return {
    id: `incoming-${++seq}`,
    channelId: 'msteams',
    serviceUrl,
    timestamp: new Date().toISOString(),
    from: { id: MEGAN.mri, name: MEGAN.name, aadObjectId: MEGAN.aad },
    recipient: { id: '28:signoff', name: 'Signoff' },
    conversation: { id: CHAT, conversationType: 'personal', tenantId: TENANT },
    channelData: { tenant: { id: TENANT } },
    ...fields,
  };
}

function loan(i: number) {
  return {
    details: {
      applicant: 'Patti Fernandez',
      amount: 1_000 + (i % 9) * 500,
      currency: 'EUR',
      purpose: `equipment ${i}`,
      termMonths: 36,
    },
  };
}

interface PhaseResult {
  ids: string[];
  postedSeconds: number;
}

async function startLoans(
  bench: string,
  calls: DurableClient,
  token: string,
  watch: CardWatch,
  count: number,
  offset: number,
): Promise<PhaseResult> {
  const ids: string[] = new Array(count);
  const began = performance.now();
  await runPool(
    Array.from({ length: count }, (_, i) => i),
    IN_FLIGHT,
    async (i) => {
      const res = await calls.request('POST', '/api/approvals/loan', loan(offset + i), {
        authorization: `Bearer ${token}`,
      });
      const id = (res.body as { id?: string } | undefined)?.id;
      if (res.status !== 202 || !id)
        throw new Error(`loan request answered ${res.status}: ${JSON.stringify(res.body)}`);
      ids[i] = id;
    },
  );
  await watch.allPosted(ids, (n) => progress(bench, `${n}/${count} approval cards posted`));
  return { ids, postedSeconds: (performance.now() - began) / 1000 };
}

/** Clicks Approve on each request's card, `inFlight` at a time; ms from invoke to card update. */
async function clickAll(
  calls: DurableClient,
  connectorUrl: string,
  watch: CardWatch,
  ids: readonly string[],
  inFlight: number,
): Promise<number[]> {
  const latencies: number[] = new Array(ids.length);
  await runPool(ids, inFlight, async (id, i) => {
    const card = watch.posted.get(id) as string;
    const updated = watch.nextUpdate(card);
    const sent = performance.now();
    const res = await calls.request(
      'POST',
      '/api/messages',
      activity(connectorUrl, {
        type: 'invoke',
        name: 'adaptiveCard/action',
        replyToId: card,
        value: {
          action: { type: 'Action.Execute', verb: 'approve', data: { requestId: id } },
          trigger: 'manual',
        },
      }),
    );
    const answer = res.body as { statusCode?: number; value?: unknown } | undefined;
    if (res.status !== 200 || answer?.statusCode !== 200)
      throw new Error(`approve ${id} answered ${res.status}: ${JSON.stringify(res.body)}`);
    const update = await updated;
    latencies[i] = performance.now() - sent;
    const text = JSON.stringify(update.body.attachments ?? []);
    if (!text.includes('Approved'))
      throw new Error(`the update of ${id}'s card does not show it approved: ${text.slice(0, 400)}`);
  });
  return latencies;
}

export async function signoffLoanBench(bench: string, n: number): Promise<Figures> {
  const dataDir = tempDataDir(bench);
  const pidFile = path.join(dataDir, 'azurite.pid');
  const azurite = await startAzurite({ pidFile });
  const azuritePid = Number(fs.readFileSync(pidFile, 'utf8').trim());
  const proxy = new CountingTableProxy(azurite.tablePort);
  await proxy.start();
  const connector = new FakeConnector();
  connector.record = false;
  await connector.start();
  const watch = new CardWatch(connector);
  const connectionString = azurite.connectionString.replace(
    `TableEndpoint=http://127.0.0.1:${azurite.tablePort}/`,
    `TableEndpoint=http://127.0.0.1:${proxy.port}/`,
  );
  let host: BenchHost | undefined;
  let calls: DurableClient | undefined;
  try {
    host = await BenchHost.spawn(dataDir, 0, {
      app: BENCH_TREE,
      args: ['--dev'],
      env: {
        AzureWebJobsStorage: connectionString,
        SIGNOFF_ALLOWED_TENANTS: `${TENANT},${DEV_TENANT}`,
      },
    });
    // No system key: the app's routes are called as a signed-in user and as the Bot Connector.
    calls = new DurableClient(host.url, null);
    // The requester's token, as `signoff-host token patti` mints it (host/testing.ts does the same).
    const users = readDevUsers(readHostAuthSettings(BENCH_TREE).devUsers);
    const patti = resolveDevUser(users, 'patti');
    const token = await mintDevToken(loadDevIssuer(dataDir), {
      oid: patti.id,
      name: patti.name,
      username: patti.email,
      roles: patti.roles,
      tenantId: users.tenantId,
      audience: DEFAULT_AUDIENCE,
      validForSeconds: 3600,
    });
    const install = await calls.request(
      'POST',
      '/api/messages',
      activity(connector.url, { type: 'conversationUpdate', membersAdded: [{ id: '28:signoff' }] }),
    );
    if (install.status !== 200) throw new Error(`install answered ${install.status}`);

    progress(bench, `starting ${n} loan requests`);
    const tablesBefore = proxy.snapshot();
    const hostCpuBefore = processTreeCpuMs(host.pid);
    const azuriteCpuBefore = processTreeCpuMs(azuritePid);
    const began = performance.now();
    const main = await startLoans(bench, calls, token, watch, n, 0);
    progress(bench, `all cards posted; approving with ${IN_FLIGHT} in flight`);
    const loaded = await clickAll(calls, connector.url, watch, main.ids, IN_FLIGHT);
    const ended = performance.now();
    const tablesAfter = proxy.snapshot();
    const hostCpuMs = processTreeCpuMs(host.pid) - hostCpuBefore;
    const azuriteCpuMs = processTreeCpuMs(azuritePid) - azuriteCpuBefore;
    if (process.env.BENCH_TABLE_DETAIL) {
      const kinds = [...proxy.byKind].sort((x, y) => y[1] - x[1]);
      for (const [kind, count] of kinds)
        progress(bench, `table ${kind}: ${round(count / n, 2)} per approval`);
    }
    const hostMemory = host.memory();
    const azuriteMemory = processTreeMemory(azuritePid);

    const serialN = Math.min(SERIAL_N, n);
    progress(bench, `${serialN} more, approved one at a time`);
    const serial = await startLoans(bench, calls, token, watch, serialN, n);
    const serialLatencies = await clickAll(calls, connector.url, watch, serial.ids, 1);

    const l50 = latencyFigures(loaded);
    const l1 = latencyFigures(serialLatencies);
    const ops = tablesAfter.operations - tablesBefore.operations;
    const requests = tablesAfter.requests - tablesBefore.requests;
    return {
      bench,
      n,
      cardsPostedSeconds: round(main.postedSeconds),
      cardsPostedPerSec: round(n / main.postedSeconds, 1),
      click50InFlightP50Ms: l50.p50,
      click50InFlightP95Ms: l50.p95,
      click50InFlightP99Ms: l50.p99,
      click1InFlightN: serialN,
      click1InFlightP50Ms: l1.p50,
      click1InFlightP95Ms: l1.p95,
      click1InFlightP99Ms: l1.p99,
      endToEndPerSec: round(n / ((ended - began) / 1000), 1),
      hostPeakRssMiB: round(hostMemory.peakRss / MIB, 1),
      azuritePeakRssMiB: round(azuriteMemory.peakRss / MIB, 1),
      hostCpuMsPerApproval: round(hostCpuMs / n, 2),
      azuriteCpuMsPerApproval: round(azuriteCpuMs / n, 2),
      tableOpsPerApproval: round(ops / n, 2),
      tableRequestsPerApproval: round(requests / n, 2),
      tableBatchesPerApproval: round((tablesAfter.batches - tablesBefore.batches) / n, 2),
      loadAvg1: round(os.loadavg()[0] ?? 0, 2),
    };
  } catch (error) {
    const tail = host?.recentOutput.trim();
    if (tail) process.stderr.write(`host output:\n${tail}\n`);
    throw error;
  } finally {
    calls?.close();
    await host?.stop();
    await connector.stop();
    await proxy.stop();
    await azurite.stop();
    if (!process.env.BENCH_KEEP_DATA) fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
