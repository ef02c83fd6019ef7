/**
 * The bot through /api/messages on the embedded host, with the real function app, Azurite, and a
 * stand-in for the Teams connector service (test/support/connector.ts) at each activity's
 * serviceUrl: Teams cannot be reached here, so what the bot sends back over the Bot Connector
 * protocol is recorded there. Users come from the bundled policy (Megan approves small requests).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCESS_AUDIT_TABLE } from '../bot/trust';
import { table } from '../functions/storage/tables';
import { DEV_TENANT } from '../host/auth/devUsers';
import { type AzuriteHandle, startAzurite } from '../host/azurite';
import { startTestHost, type TestHost } from '../host/testing';
import { FakeConnector, noteOf } from './support/connector';
import { startIssuer } from './support/issuer';

const MEGAN = '00000000-0000-0000-0000-00000000a001';
const DIEGO = '00000000-0000-0000-0000-00000000a004';
const PAT = 'u-bot-test-pat';

interface Person {
  aad: string;
  mri: string;
  name: string;
  chat: string;
}
const people = {
  megan: { aad: MEGAN, mri: '29:megan', name: 'Megan Bowen', chat: 'a:chat-megan' },
  diego: { aad: DIEGO, mri: '29:diego', name: 'Diego Siciliani', chat: 'a:chat-diego' },
  pat: { aad: PAT, mri: '29:pat', name: 'Pat Requester', chat: 'a:chat-pat' },
} satisfies Record<string, Person>;

const connector = new FakeConnector();
let host: TestHost;
let azurite: AzuriteHandle;
let seq = 0;

beforeAll(async () => {
  // Its own storage: the conversations stored here (Megan's, Diego's, with this file's connector
  // as their service URL) would otherwise reach the approvals of other test files, whose cards
  // would then go to a connector that is gone.
  azurite = await startAzurite();
  process.env.AzureWebJobsStorage = azurite.connectionString;
  await connector.start();
  connector.members.set(people.pat.mri, {
    id: people.pat.mri,
    name: people.pat.name,
    aadObjectId: PAT,
    email: 'pat@contoso.example',
    userPrincipalName: 'pat@contoso.example',
  });
  // Teams activities here come from tenant-1; dev tokens (for the admin reads) from the dev tenant.
  host = await startTestHost({
    app: '.',
    clock: 'virtual',
    // Files "shared from Teams" come from the file server below, on loopback.
    env: { SIGNOFF_ALLOWED_TENANTS: `tenant-1,${DEV_TENANT}`, SIGNOFF_DOCUMENT_DOWNLOAD_HOSTS: '127.0.0.1' },
  });
});

/** Reads for checking what happened, as an admin (Isaiah) through the approvals API. */
const admin = () => host.as('isaiah');

async function refusals(): Promise<Array<Record<string, string>>> {
  const audit = await table(ACCESS_AUDIT_TABLE);
  const rows: Array<Record<string, string>> = [];
  for await (const row of audit.listEntities<Record<string, string>>()) rows.push(row);
  return rows;
}

afterAll(async () => {
  await host?.stop();
  await connector.stop();
  await azurite?.stop();
});

function activity(person: Person, fields: Record<string, unknown>) {
  return {
    id: `incoming-${++seq}`,
    channelId: 'msteams',
    serviceUrl: connector.url,
    timestamp: new Date().toISOString(),
    from: { id: person.mri, name: person.name, aadObjectId: person.aad },
    recipient: { id: '28:signoff', name: 'Signoff' },
    conversation: { id: person.chat, conversationType: 'personal', tenantId: 'tenant-1' },
    channelData: { tenant: { id: 'tenant-1' } },
    ...fields,
  };
}

type CardBody = { statusCode: number; type: string; value: Record<string, unknown> };

async function say(person: Person, text: string) {
  const before = connector.to(person.chat).length;
  const res = await host.post('/api/messages', activity(person, { type: 'message', text }));
  expect(res.status).toBe(200);
  return connector.to(person.chat).slice(before);
}

/** The message a clicked card belongs to, as Teams sends it in the invoke's replyToId. */
const CLICKED = 'clicked-card';

async function click(person: Person, verb: string, data: Record<string, unknown>, replyToId = CLICKED) {
  const res = await host.post<CardBody>(
    '/api/messages',
    activity(person, {
      type: 'invoke',
      name: 'adaptiveCard/action',
      replyToId,
      value: {
        action: { type: 'Action.Execute', verb, data },
        trigger: verb === 'refresh' ? 'automatic' : 'manual',
      },
    }),
  );
  return res;
}

const text = (card: unknown) => JSON.stringify(card);
const hasButtons = (card: unknown) =>
  /"verb":"approve"/.test(text(card)) && /"verb":"reject"/.test(text(card));

/**
 * `person` asks for something by chat. The answer is their own card of the request, a message the
 * bot keeps up to date (`assignedId` is its id at the connector).
 */
async function requestByChat(person: Person, title: string) {
  const replies = await say(person, `request ${title}`);
  const reply = replies[0];
  const card = reply?.body.attachments?.[0]?.content;
  expect(text(card)).toContain('Waiting for approval');
  const id = /generic-\w+/.exec(text(card))?.[0] as string;
  expect(id).toBeDefined();
  return { id, card, messageId: reply?.assignedId as string };
}

/** The latest version of a message in `person`'s chat: the last update (PUT), else as posted. */
function latest(person: Person, messageId: string) {
  const puts = connector.to(person.chat, 'PUT').filter((c) => c.activityId === messageId);
  const posted = connector.to(person.chat, 'POST').find((c) => c.assignedId === messageId);
  return (puts.at(-1) ?? posted)?.body.attachments?.[0]?.content;
}

async function install(person: Person) {
  const res = await host.post(
    '/api/messages',
    activity(person, { type: 'conversationUpdate', membersAdded: [{ id: '28:signoff' }] }),
  );
  expect(res.status).toBe(200);
}

describe('/api/messages', () => {
  it('stores the conversation on install and greets once with the help card', async () => {
    await install(people.megan);
    const res = await host.post(
      '/api/messages',
      activity(people.megan, { type: 'installationUpdate', action: 'add' }),
    );
    expect(res.status).toBe(200);
    const greetings = connector.to(people.megan.chat, 'POST');
    expect(greetings).toHaveLength(1);
    expect(text(greetings[0]?.body.attachments)).toContain('my requests');
    await install(people.diego);
    await install(people.pat);
  });

  it('answers commands: unknown ones with help and a suggestion, lists, status', async () => {
    const typo = await say(people.pat, 'stauts 1234');
    expect(text(typo[0]?.body.attachments)).toContain('Did you mean \\"status <id>\\"?');
    const mine = await say(people.pat, '  MY   requests ');
    expect(mine[0]?.body.attachments?.[0]?.contentType).toBe('application/vnd.microsoft.card.adaptive');
    const missing = await say(people.pat, 'status nosuch1');
    expect(text(missing[0]?.body.attachments)).toContain('There is no request');
    const loan = await say(people.pat, 'request loan 2,500 usd new bike');
    const form = text(loan[0]?.body.attachments);
    expect(form).toContain('"verb":"submitRequest"');
    expect(form).toContain('Pat Requester');
  });

  it('a request, a refresh per user, a decision, a repeated click and the outcome', async () => {
    const {
      id,
      card: patsCard,
      messageId: patsMessage,
    } = await requestByChat(people.pat, 'New laptop for Pat');
    // The requester's card: Cancel; no risk score, no decision buttons; and, once the workflow
    // has started (at once, or with the card's first update), where it stands.
    expect(text(patsCard)).toContain('"verb":"cancel"');
    expect(text(patsCard)).not.toContain('Risk score');
    expect(hasButtons(patsCard)).toBe(false);
    await host.idle();
    expect(text(latest(people.pat, patsMessage))).toContain('Stage 1 of 1: Manager approval');

    // The notifier posted Megan her card; Teams knows her by her MRI in refresh.userIds.
    const posted = connector.to(people.megan.chat, 'POST').find((c) => text(c.body).includes(id));
    expect(posted).toBeDefined();
    const postedCard = posted?.body.attachments?.[0]?.content as { refresh?: { userIds?: string[] } };
    expect(hasButtons(postedCard)).toBe(true);
    expect(postedCard.refresh?.userIds).toEqual([people.megan.mri]);
    const shown = posted?.assignedId as string;

    // Automatic refresh: the approver gets the buttons, the requester the read-only view, someone
    // with no part in the request no request at all; all answers are card responses, and nothing
    // is pushed to the shared message (teams-ai's replace-for-all).
    const forMegan = await click(people.megan, 'refresh', { requestId: id });
    expect(forMegan.status).toBe(200);
    expect(Object.keys(forMegan.body).sort()).toEqual(['statusCode', 'type', 'value']);
    expect(forMegan.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
    expect(hasButtons(forMegan.body.value)).toBe(true);
    expect(forMegan.body.value.refresh).toBeDefined();
    const forPat = await click(people.pat, 'refresh', { requestId: id });
    expect(forPat.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
    expect(hasButtons(forPat.body.value)).toBe(false);
    expect(text(forPat.body.value)).toContain('Waiting for approval');
    expect(text(forPat.body.value)).not.toContain('Risk score');
    const forDiego = await click(people.diego, 'refresh', { requestId: id });
    expect(hasButtons(forDiego.body.value)).toBe(false);
    expect(text(forDiego.body.value)).toContain('There is no request');

    // The requester clicking Approve, or someone with no part in it: an error card, for them only.
    const own = await click(people.pat, 'approve', { requestId: id });
    expect(own.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
    expect(text(own.body.value)).toContain('Requesters cannot decide on their own request');
    const stranger = await click(people.diego, 'approve', { requestId: id });
    expect(text(stranger.body.value)).toContain('There is no request');

    // Reject without a comment is refused by the rules: Megan gets her card back, buttons and
    // all, saying what is missing (no error card she would have to refresh away).
    const noComment = await click(people.megan, 'reject', { requestId: id, comment: '  ' });
    expect(text(noComment.body.value)).toContain('Add a comment to reject');
    expect(hasButtons(noComment.body.value)).toBe(true);

    // Approve with a comment after a refresh: still a card response; a double click gets the same
    // recorded decision, comment and all.
    const approve = { requestId: id, comment: 'Fine by me, within budget' };
    const [first, second] = await Promise.all([
      click(people.megan, 'approve', approve),
      click(people.megan, 'approve', approve),
    ]);
    for (const res of [first, second]) {
      expect(res?.status).toBe(200);
      expect(res?.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
      expect(text(res?.body.value)).toContain('You approved this request');
      expect(text(res?.body.value)).toContain('Your comment: Fine by me, within budget');
      expect(hasButtons(res?.body.value)).toBe(false);
    }
    // Teams retries the invoke later: the recorded-decision card again while the request is open,
    // the outcome once the workflow has closed it (it may have by now: a decision that ends the
    // request goes straight to the finish); never an error, never the buttons.
    const retried = await click(people.megan, 'approve', { requestId: id });
    expect(text(retried.body.value)).toMatch(/You approved this request|"Approved"/);
    expect(text(retried.body.value)).not.toContain('Decision not recorded');
    expect(hasButtons(retried.body.value)).toBe(false);
    // No answer was pushed to the clicked message itself (teams-ai's "replace for all" would PUT it).
    expect(connector.calls.filter((c) => c.method === 'PUT' && c.activityId === CLICKED)).toEqual([]);

    await host.idle();
    const detail = await admin().get<{ state: string; audit: Array<{ type: string }> }>(
      `/api/approvals/${id}`,
    );
    expect(detail.body.state).toBe('Approved');
    expect(detail.body.audit.map((a) => a.type)).toEqual(['requested', 'decision', 'outcome']);
    // The approval kept its comment.
    const decided = await admin().get<{ decisions: Array<{ decision: string; comment?: string }> }>(
      `/api/approvals/${id}`,
    );
    expect(decided.body.decisions).toEqual([
      expect.objectContaining({ decision: 'approve', comment: 'Fine by me, within budget' }),
    ]);

    // Every posted card now shows the outcome; the requester was told.
    const updated = connector.to(people.megan.chat, 'PUT').filter((c) => c.activityId === shown);
    expect(updated.length).toBeGreaterThan(0);
    expect(hasButtons(updated.at(-1)?.body.attachments?.[0]?.content)).toBe(false);
    const told = connector.to(people.pat.chat, 'POST').filter((c) => noteOf(c)?.includes('is approved'));
    expect(told).toHaveLength(1);
    // Pat's own card changed in place to the outcome, with Megan's comment; the note beside it is
    // a line of text, not a second card.
    const patsNow = latest(people.pat, patsMessage);
    expect(text(patsNow)).toContain('Approved');
    expect(text(patsNow)).toContain('Fine by me, within budget');
    expect(text(patsNow)).not.toContain('"verb":"cancel"');
    expect(told[0]?.body).toMatchObject({ text: 'Your request "New laptop for Pat" is approved.' });
    expect(told[0]?.body.attachments ?? []).toEqual([]);

    // A refresh after the end shows the outcome, still as a card response.
    const late = await click(people.megan, 'refresh', { requestId: id.split('-')[1] });
    expect(late.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
    expect(hasButtons(late.body.value)).toBe(false);
    expect(text(late.body.value)).toContain('Approved');
  });

  it('the request form starts the request once, however often it is sent', async () => {
    const data = {
      kind: 'loan',
      amount: '2500',
      currency: 'EUR',
      applicant: 'Pat Requester',
      termMonths: '',
      purpose: 'new bike',
    };
    const invalid = await click(people.pat, 'submitRequest', data, 'form-1');
    expect(invalid.body.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(text(invalid.body.value)).toContain('Please check the form:\\nThe term is missing.');

    const complete = { ...data, termMonths: '24' };
    const [a, b] = await Promise.all([
      click(people.pat, 'submitRequest', complete, 'form-1'),
      click(people.pat, 'submitRequest', complete, 'form-1'),
    ]);
    expect(a?.status).toBe(200);
    expect(b?.status).toBe(200);
    await host.idle();
    const mine = await admin().get<{ items: Array<{ id: string; kind: string }> }>(
      `/api/approvals?requester=${PAT}&pageSize=100`,
    );
    expect(mine.body.items.filter((r) => r.kind === 'loan')).toHaveLength(1);
  });

  it('cancel by the requester, refused for anyone else', async () => {
    const { id } = await requestByChat(people.pat, 'Team offsite');
    await host.idle();
    const short = id.split('-')[1] as string;
    const approver = await say(people.megan, `cancel ${short}`);
    expect(text(approver[0]?.body.attachments)).toContain('Only the requester (or an admin) can cancel');
    const stranger = await say(people.diego, `cancel ${short}`);
    expect(text(stranger[0]?.body.attachments)).toContain('There is no request');
    const done = await say(people.pat, `cancel #${short}`);
    expect(done[0]?.body.text).toContain(`Cancelling ${id}`);
    await host.idle();
    expect((await admin().get<{ state: string }>(`/api/approvals/${id}`)).body.state).toBe('Cancelled');
  });

  it('answers only Teams: another channel, a sender without an object id or another tenant is refused and audited', async () => {
    const before = await refusals();
    const webchat = await host.post<{ error: string; refusal: string }>(
      '/api/messages',
      activity(people.pat, { type: 'message', text: 'my requests', channelId: 'webchat' }),
    );
    expect(webchat.status).toBe(403);
    expect(webchat.body).toMatchObject({ refusal: 'not-teams', error: expect.stringContaining('"webchat"') });
    const anonymous = await host.post<{ refusal: string }>('/api/messages', {
      ...activity(people.pat, { type: 'message', text: 'my requests' }),
      from: { id: '29:pat', name: 'Pat Requester' },
    });
    expect(anonymous).toMatchObject({ status: 403, body: { refusal: 'no-object-id' } });
    const sent = connector.calls.length;
    const otherTenant = await host.post<{ refusal: string }>('/api/messages', {
      ...activity(people.megan, {
        type: 'invoke',
        name: 'adaptiveCard/action',
        value: { action: { type: 'Action.Execute', verb: 'approve', data: { requestId: 'generic-x' } } },
      }),
      conversation: { id: people.megan.chat, conversationType: 'personal', tenantId: 'tenant-2' },
      channelData: { tenant: { id: 'tenant-2' } },
    });
    expect(otherTenant).toMatchObject({ status: 403, body: { refusal: 'tenant-not-allowed' } });
    // Nothing was answered to the refused activities, and each left an audit row.
    expect(connector.calls.length).toBe(sent);
    const rows = (await refusals()).filter((r) => !before.some((b) => b.rowKey === r.rowKey));
    expect(rows.map((r) => r.reason).sort()).toEqual(['no-object-id', 'not-teams', 'tenant-not-allowed']);
    expect(rows.find((r) => r.reason === 'tenant-not-allowed')).toMatchObject({
      tenantId: 'tenant-2',
      aadObjectId: MEGAN,
      activityType: 'invoke',
    });
  });

  it('forgets the conversation on uninstall: the approver becomes unreachable', async () => {
    const res = await host.post(
      '/api/messages',
      activity(people.megan, { type: 'installationUpdate', action: 'remove' }),
    );
    expect(res.status).toBe(200);
    const { id, messageId } = await requestByChat(people.pat, 'Standing desk');
    await host.idle();
    const detail = await admin().get<{ unreachable: Array<{ id: string }> }>(`/api/approvals/${id}`);
    expect(detail.body.unreachable.map((u) => u.id)).toEqual([MEGAN]);
    // The requester reads that it waits, not who could not be reached: they cannot fix that.
    const patsCard = text(latest(people.pat, messageId));
    expect(patsCard).toContain('Waiting for approval');
    expect(patsCard).not.toContain('Could not reach');
    expect(host.logs.some((l) => l.includes('unreachable: Signoff is not installed') && l.includes(id))).toBe(
      true,
    );
  });

  it('the requester’s card follows the request in place, with a note when a stage passes; Cancel on it closes the request', async () => {
    await install(people.megan);
    // A request over 1,000 goes to the manager, then to finance (Lynne and Nestor, who have not
    // installed Signoff here).
    const form = 'form-stages';
    const sent = await click(
      people.pat,
      'submitRequest',
      {
        kind: 'generic',
        title: 'Booth at the trade fair',
        details: 'Stand and travel',
        amount: '5000',
        currency: 'EUR',
      },
      form,
    );
    expect(sent.body.type).toBe('application/vnd.microsoft.card.adaptive');
    const id = /generic-\w+/.exec(text(sent.body.value))?.[0] as string;
    expect(text(sent.body.value)).toContain('Waiting for approval');
    expect(text(sent.body.value)).toContain('"verb":"cancel"');
    await host.idle();

    const before = connector.to(people.pat.chat, 'POST').length;
    await click(people.megan, 'approve', { requestId: id });
    await host.idle();
    // The form's message is Pat's card: it now shows the second stage, and still offers Cancel.
    const moved = text(latest(people.pat, form));
    expect(moved).toContain('Stage 2 of 2: Finance approval');
    expect(moved).toContain('Approved');
    expect(moved).toContain('"verb":"cancel"');
    // Finance cannot be reached; Pat reads that it waits, nothing about who cannot get it.
    expect(moved).toContain('Waiting for Lynne Robbins and Nestor Wilke');
    expect(moved).not.toContain('Could not reach');
    expect(moved).not.toContain('Risk score');
    const notes = connector.to(people.pat.chat, 'POST').slice(before);
    expect(notes.map((n) => n.body.text)).toEqual([
      'Your request "Booth at the trade fair" passed stage 1 of 2, approved by Megan Bowen. It now waits for Finance approval (stage 2 of 2).',
    ]);

    // Cancel from the card: the answer shows it cancelled at once; the workflow closes it and
    // every card follows.
    const cancelled = await click(people.pat, 'cancel', { requestId: id }, form);
    expect(text(cancelled.body.value)).toContain('Cancelled');
    expect(text(cancelled.body.value)).not.toContain('"verb":"cancel"');
    await host.idle();
    expect((await admin().get<{ state: string }>(`/api/approvals/${id}`)).body.state).toBe('Cancelled');
    expect(text(latest(people.pat, form))).toContain('Cancelled');
    const meganCard = connector.to(people.megan.chat, 'POST').find((c) => text(c.body).includes(id));
    expect(text(latest(people.megan, meganCard?.assignedId as string))).toContain('Cancelled');
  });

  it('Review in "pending" opens the one request below and keeps the list; Cancel in "my requests"', async () => {
    const { id } = await requestByChat(people.pat, 'Parking permit');
    const other = await requestByChat(people.pat, 'Second monitor');
    await host.idle();

    const list = (await say(people.megan, 'pending'))[0];
    expect(text(list?.body.attachments)).toContain('"verb":"open"');
    const before = connector.to(people.megan.chat, 'POST').length;
    const opened = await click(people.megan, 'open', { requestId: id }, list?.assignedId);
    // The list stays as it is (a message answer, not a card replacing it) ...
    expect(opened.body.type).toBe('application/vnd.microsoft.activity.message');
    expect(connector.calls.filter((c) => c.method === 'PUT' && c.activityId === list?.assignedId)).toEqual(
      [],
    );
    // ... and the request's card, Megan's own view of it, comes as a new message.
    const shown = connector.to(people.megan.chat, 'POST').slice(before);
    expect(shown).toHaveLength(1);
    expect(hasButtons(shown[0]?.body.attachments?.[0]?.content)).toBe(true);
    // That card is kept up to date too.
    await click(people.megan, 'approve', { requestId: id }, shown[0]?.assignedId);
    await host.idle();
    const after = latest(people.megan, shown[0]?.assignedId as string);
    expect(text(after)).toContain('Approved');
    expect(hasButtons(after)).toBe(false);

    // In "my requests", an open request has Cancel; cancelling answers with the list again.
    const mine = (await say(people.pat, 'my requests'))[0];
    expect(text(mine?.body.attachments)).toContain(`{"requestId":"${other.id}","list":"mine"}`);
    const res = await click(people.pat, 'cancel', { requestId: other.id, list: 'mine' }, mine?.assignedId);
    expect(res.body.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(text(res.body.value)).toContain('Your requests');
    expect(text(res.body.value)).not.toContain(`{"requestId":"${other.id}","list":"mine"}`);
    await host.idle();
    expect((await admin().get<{ state: string }>(`/api/approvals/${other.id}`)).body.state).toBe('Cancelled');
  });

  it('pending shows the approver’s workload: what waits for them, decided this week, their time to decide', async () => {
    const workload = async () => {
      const card = text((await say(people.megan, 'pending'))[0]?.body.attachments);
      const found = /Your workload: (\d+) open · (\d+) decided this week · ([^"]+)"/.exec(card);
      expect(found, card).not.toBeNull();
      const [, open, decided, average] = found as RegExpExecArray;
      return { open: Number(open), decided: Number(decided), average };
    };
    // Megan decided in the tests above, and may have requests still waiting for her.
    await host.idle();
    const before = await workload();
    const { id } = await requestByChat(people.pat, 'Workload check');
    await host.idle();
    expect(await workload()).toEqual({ ...before, open: before.open + 1 });

    await host.clock.advance('PT3H');
    const posted = connector.to(people.megan.chat, 'POST').find((c) => text(c.body).includes(id));
    await click(people.megan, 'approve', { requestId: id }, posted?.assignedId);
    await host.idle();
    const after = await workload();
    expect(after).toMatchObject({ open: before.open, decided: before.decided + 1 });
    expect(after.average).toMatch(/^\d+[dhm]( \d+[hm])? to decide on average \(last 30 days\)$/);

    // A week later by the workflow's clock: nothing decided this week yet; the average stays.
    await host.clock.advance('P7D');
    await host.idle();
    await requestByChat(people.pat, 'Workload next week');
    await host.idle();
    expect(await workload()).toMatchObject({ decided: 0, average: after.average });
  });

  it('says what is wrong with a command in words, without the names of the command table', async () => {
    const missing = text((await say(people.pat, 'status'))[0]?.body.attachments);
    expect(missing).toContain('The request id is missing. Type it like this: status <id>');
    expect(missing).not.toContain('requestId');
  });

  it('in a group chat: greets on install, reads commands after the @mention, keeps personal commands personal', async () => {
    const group = {
      id: '19:group-1@thread.v2',
      conversationType: 'groupChat',
      isGroup: true,
      tenantId: 'tenant-1',
    };
    const inGroup = (fields: Record<string, unknown>) => ({
      ...activity(people.pat, fields),
      conversation: group,
    });
    expect(
      (
        await host.post(
          '/api/messages',
          inGroup({ type: 'conversationUpdate', membersAdded: [{ id: '28:signoff' }] }),
        )
      ).status,
    ).toBe(200);
    const greeting = connector.to(group.id, 'POST');
    expect(greeting).toHaveLength(1);
    expect(text(greeting[0]?.body.attachments)).toContain('status <id>');
    expect(text(greeting[0]?.body.attachments)).not.toContain('my requests');

    const mention = {
      type: 'mention',
      mentioned: { id: '28:signoff', name: 'Signoff' },
      text: '<at>Signoff</at>',
    };
    const ask = async (words: string) => {
      const before = connector.to(group.id).length;
      const res = await host.post(
        '/api/messages',
        inGroup({ type: 'message', text: `<at>Signoff</at> ${words}`, entities: [mention] }),
      );
      expect(res.status).toBe(200);
      return connector.to(group.id).slice(before);
    };
    expect(text((await ask('My Requests'))[0]?.body.attachments)).toContain('works in a personal chat');
    expect(text((await ask('  STATUS   nosuch2 '))[0]?.body.attachments)).toContain('There is no request');
  });

  it('refuses a body that is not an activity with 400', async () => {
    const res = await host.post<{ error: string }>('/api/messages', 'not json', {
      'content-type': 'application/json',
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/not valid JSON/);
  });
});

describe('documents in Teams', () => {
  /** A stand-in for SharePoint's pre-authorised download URLs: the files Teams would share. */
  const files = new Map<string, Buffer>();
  let fileServer: http.Server;
  let filesUrl = '';
  beforeAll(async () => {
    fileServer = http.createServer((req, res) => {
      const file = files.get(req.url ?? '');
      res.writeHead(file ? 200 : 404).end(file);
    });
    await new Promise<void>((r) => fileServer.listen(0, '127.0.0.1', r));
    filesUrl = `http://127.0.0.1:${(fileServer.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => fileServer.close(() => r())));

  /** `person` sends files in chat as Teams delivers them, with `text` beside them. */
  async function sendFiles(person: Person, text: string, sent: Array<[string, Buffer] | [string, string]>) {
    const attachments = sent.map(([name, content]) => {
      const url = typeof content === 'string' ? content : `${filesUrl}/${seq}-${encodeURIComponent(name)}`;
      if (typeof content !== 'string') files.set(new URL(url).pathname, content);
      return {
        contentType: 'application/vnd.microsoft.teams.file.download.info',
        name,
        contentUrl: 'https://contoso.sharepoint.com/personal/pat/Documents/file',
        content: { downloadUrl: url, uniqueId: `u-${seq}`, fileType: name.split('.').pop() },
      };
    });
    const before = connector.to(person.chat, 'POST').length;
    const res = await host.post('/api/messages', activity(person, { type: 'message', text, attachments }));
    expect(res.status).toBe(200);
    await host.idle();
    return connector.to(person.chat, 'POST').slice(before);
  }

  const pdf = (tag: string) => Buffer.from(`%PDF-1.7\n% ${tag}\n%%EOF\n`);

  it('a file sent in chat is a document: on every card, opened through a link by the approver, refused to others', async () => {
    await install(people.megan);
    await install(people.pat);
    const { id, messageId } = await requestByChat(people.pat, 'Team offsite');
    await host.idle();
    const meganCard = connector.to(people.megan.chat, 'POST').find((c) => text(c.body).includes(id));

    const replies = await sendFiles(people.pat, `for ${id}`, [['Offsite plan.pdf', pdf('plan')]]);
    expect(replies.map((r) => r.body.text)).toEqual([
      expect.stringMatching(
        new RegExp(`^Added Offsite plan\\.pdf \\(PDF, 1 KiB\\) to ${id} \\("Team offsite"\\)`),
      ),
    ]);
    // Megan's card and Pat's own card now list it, as a button that opens it.
    const onMegan = text(latest(people.megan, meganCard?.assignedId as string));
    expect(onMegan).toContain('Documents to review (1)');
    expect(onMegan).toContain('"verb":"openDocument"');
    expect(onMegan).toContain('Offsite plan.pdf (PDF, 1 KiB)');
    expect(text(latest(people.pat, messageId))).toContain('Offsite plan.pdf (PDF, 1 KiB)');
    const documentId = /"documentId":"(d-[0-9a-f]{16})"/.exec(onMegan)?.[1] as string;

    // Megan opens it: her card with a link of her own; the link reads the file, without sign-in.
    const opened = await click(
      people.megan,
      'openDocument',
      { requestId: id, documentId },
      meganCard?.assignedId,
    );
    const card = text(opened.body.value);
    expect(card).toContain('is ready to open. The link is yours alone and works for 5 minutes.');
    expect(card).toContain('"verb":"approve"');
    const url = /"url":"([^"]+\/api\/documents\/[^"]+)"/.exec(card)?.[1] as string;
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(pdf('plan'))).toBe(true);

    // Diego has no part in it: no request, no link.
    const stranger = await click(people.diego, 'openDocument', { requestId: id, documentId });
    expect(text(stranger.body.value)).toContain(`There is no request`);
    expect(text(stranger.body.value)).not.toContain('/api/documents/');

    // Files that are not from Teams, or not allowed, are refused by name.
    const refused = await sendFiles(people.pat, id, [
      ['elsewhere.pdf', 'http://169.254.169.254/metadata'],
      ['tool.exe', Buffer.from('MZ\x90\x00')],
    ]);
    expect(refused[0]?.body.text).toContain(
      '"elsewhere.pdf" was not added: Signoff takes files shared from Teams',
    );
    expect(refused[0]?.body.text).toContain(
      '"tool.exe" was not added: "tool.exe" is not a PDF, PNG, JPEG, DOCX, XLSX, TXT or CSV file',
    );
  });

  it('an approver asks for another document: the requester is told, and the approver sees it arrive', async () => {
    const { id, messageId } = await requestByChat(people.pat, 'Client dinner');
    await host.idle();
    const meganCard = connector.to(people.megan.chat, 'POST').find((c) => text(c.body).includes(id));
    expect(text(latest(people.megan, meganCard?.assignedId as string))).toContain('"verb":"askDocument"');

    const empty = await click(
      people.megan,
      'askDocument',
      { requestId: id, documentNote: ' ' },
      meganCard?.assignedId,
    );
    expect(text(empty.body.value)).toContain('Say which document you need');

    const patBefore = connector.to(people.pat.chat, 'POST').length;
    const asked = await click(
      people.megan,
      'askDocument',
      { requestId: id, documentNote: 'The restaurant quote' },
      meganCard?.assignedId,
    );
    expect(text(asked.body.value)).toContain(
      'Megan Bowen asked the requester for another document: The restaurant quote',
    );
    await host.idle();
    // Pat reads it in a line, and on the card.
    const told = connector
      .to(people.pat.chat, 'POST')
      .slice(patBefore)
      .map((m) => m.body.text);
    expect(told).toEqual([
      expect.stringContaining(
        'Megan Bowen asks for another document for "Client dinner": The restaurant quote',
      ),
    ]);
    const patCard = text(latest(people.pat, messageId));
    expect(patCard).toContain('Waiting for a document from you');
    expect(patCard).toContain('Megan Bowen asks you for another document: The restaurant quote');

    // Pat sends it without naming the request: the one that waits for a document takes it.
    const meganBefore = connector.to(people.megan.chat, 'POST').length;
    const replies = await sendFiles(people.pat, '', [['quote.pdf', pdf('quote')]]);
    expect(replies[0]?.body.text).toContain(`to ${id} ("Client dinner")`);
    const arrived = text(latest(people.megan, meganCard?.assignedId as string));
    expect(arrived).toContain('The restaurant quote. Arrived: quote.pdf.');
    expect(
      connector
        .to(people.megan.chat, 'POST')
        .slice(meganBefore)
        .map((m) => m.body.text),
    ).toEqual(['Pat Requester added "quote.pdf" to "Client dinner", the document you asked for.']);
    expect(text(latest(people.pat, messageId))).toContain('Waiting for approval');

    // Diego, no approver here, cannot ask.
    const notHis = await click(people.diego, 'askDocument', { requestId: id, documentNote: 'x' });
    expect(text(notHis.body.value)).toContain('There is no request');
  });
  it('a loan the policy wants a document for waits for it: the requester is asked on the card, approvers only after it came', async () => {
    const form = 'form-big-loan';
    const sent = await click(
      people.pat,
      'submitRequest',
      {
        kind: 'loan',
        amount: '150000',
        currency: 'EUR',
        applicant: 'Pat Requester',
        termMonths: '60',
        purpose: 'Warehouse',
      },
      form,
    );
    const id = /loan-\w+/.exec(text(sent.body.value))?.[0] as string;
    await host.idle();
    const waiting = text(latest(people.pat, form));
    expect(waiting).toContain('Waiting for a document from you');
    expect(waiting).toContain(
      'Add a document before approvers are asked (the approval policy needs one): Proof of income',
    );
    expect(connector.to(people.megan.chat, 'POST').some((c) => text(c.body).includes(id))).toBe(false);

    const replies = await sendFiles(people.pat, '', [['payslip.pdf', pdf('payslip')]]);
    expect(replies[0]?.body.text).toContain(`to ${id}`);
    const meganCard = connector.to(people.megan.chat, 'POST').find((c) => text(c.body).includes(id));
    expect(text(meganCard?.body)).toContain('payslip.pdf (PDF, 1 KiB)');
    expect(hasButtons(meganCard?.body.attachments?.[0]?.content)).toBe(true);
    const moved = text(latest(people.pat, form));
    expect(moved).toContain('Stage 1 of 3: Manager approval');
    expect(moved).toContain('Arrived: payslip.pdf.');
    await host.client.operation(id, 'terminate');
  });
});

describe('/api/messages with credentials', () => {
  it('answers 401 to an activity without a Bot Framework token', async () => {
    const secured = await startTestHost({
      app: '.',
      clock: 'virtual',
      env: {
        MicrosoftAppId: '11111111-2222-3333-4444-555555555555',
        MicrosoftAppPassword: 'not-a-real-secret',
      },
    });
    try {
      const res = await secured.post(
        '/api/messages',
        activity(people.pat, { type: 'message', text: 'help' }),
      );
      expect(res.status).toBe(401);
      expect(secured.logs.some((l) => l.includes('accepts requests without a Bot Framework token'))).toBe(
        false,
      );
    } finally {
      await secured.stop();
    }
  });

  it('takes Teams activities with a channel token, and still refuses other channels and bad tokens', async () => {
    // The Bot Connector's issuer cannot be reached here: a real OpenID issuer on loopback signs the
    // channel's tokens instead, and the bot is pointed at it with botbuilder's own settings.
    const APP_ID = '11111111-2222-3333-4444-555555555555';
    const channel = await startIssuer('unused');
    const secured = await startTestHost({
      app: '.',
      clock: 'virtual',
      env: {
        MicrosoftAppId: APP_ID,
        MicrosoftAppPassword: 'not-a-real-secret',
        ToBotFromChannelOpenIdMetadataUrl: `${channel.url}/.well-known/openid-configuration`,
        ToBotFromChannelTokenIssuer: channel.url,
      },
    });
    try {
      const refresh = (channelId: string) =>
        activity(people.megan, {
          type: 'invoke',
          name: 'adaptiveCard/action',
          channelId,
          value: {
            action: { type: 'Action.Execute', verb: 'refresh', data: { requestId: 'generic-nothere' } },
          },
        });
      const send = (body: unknown, token?: string) =>
        secured.post<CardBody & { refusal?: string }>(
          '/api/messages',
          body,
          token ? { authorization: `Bearer ${token}` } : {},
        );
      const good = await channel.sign({ aud: APP_ID, serviceurl: connector.url });
      const answered = await send(refresh('msteams'), good);
      expect(answered.status).toBe(200);
      expect(answered.body).toMatchObject({
        statusCode: 200,
        type: 'application/vnd.microsoft.card.adaptive',
      });
      expect(text(answered.body.value)).toContain('There is no request');
      // Authenticated, but not Teams: refused after the token was checked.
      expect(await send(refresh('webchat'), good)).toMatchObject({
        status: 403,
        body: { refusal: 'not-teams' },
      });
      // Tokens that are not the channel's for this bot and this service URL.
      expect((await send(refresh('msteams'))).status).toBe(401);
      const forged = await send(refresh('msteams'), await channel.forged({ oid: 'x', aud: APP_ID }));
      expect(forged.status).toBe(401);
      expect(JSON.stringify(forged.body)).not.toMatch(/invalid signature/);
      expect((await send(refresh('msteams'), 'not-a-jwt')).status).toBe(401);
      expect(
        (
          await send(
            refresh('msteams'),
            await channel.sign({ aud: 'another-bot', serviceurl: connector.url }),
          )
        ).status,
      ).toBe(401);
      expect(
        (
          await send(
            refresh('msteams'),
            await channel.sign({ aud: APP_ID, serviceurl: 'https://elsewhere.example/' }),
          )
        ).status,
      ).toBe(401);
    } finally {
      await secured.stop();
      await channel.stop();
    }
  });

  it('will not start without credentials outside development, naming the settings', async () => {
    await expect(startTestHost({ app: '.', clock: 'virtual', dev: false })).rejects.toThrow(
      /MicrosoftAppId, MicrosoftAppPassword, MicrosoftAppType, MicrosoftAppTenantId: are not set/,
    );
  });

  it('will not start with a SingleTenant app that has no tenant id, naming the setting', async () => {
    await expect(
      startTestHost({
        app: '.',
        clock: 'virtual',
        env: {
          MicrosoftAppId: '11111111-2222-3333-4444-555555555555',
          MicrosoftAppPassword: 'not-a-real-secret',
          MicrosoftAppType: 'SingleTenant',
        },
      }),
    ).rejects.toThrow(/MicrosoftAppTenantId: is required for a SingleTenant bot/);
  });
});
