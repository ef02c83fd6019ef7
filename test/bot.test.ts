/**
 * The bot through /api/messages on the embedded host, with the real function app, Azurite, and a
 * stand-in for the Teams connector service (test/support/connector.ts) at each activity's
 * serviceUrl: Teams cannot be reached here, so what the bot sends back over the Bot Connector
 * protocol is recorded there. Users come from the bundled policy (Megan approves small requests).
 */
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
    env: { SIGNOFF_ALLOWED_TENANTS: `tenant-1,${DEV_TENANT}` },
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
    const replies = await say(people.pat, 'request New laptop for Pat');
    const reply = replies[0]?.body.text ?? '';
    expect(reply).toMatch(/^Request generic-\w+ is on its way: Manager approval\./);
    const id = /generic-\w+/.exec(reply)?.[0] as string;
    await host.idle();

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
    const forDiego = await click(people.diego, 'refresh', { requestId: id });
    expect(hasButtons(forDiego.body.value)).toBe(false);
    expect(text(forDiego.body.value)).toContain('There is no request');

    // The requester clicking Approve, or someone with no part in it: an error card, for them only.
    const own = await click(people.pat, 'approve', { requestId: id });
    expect(own.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
    expect(text(own.body.value)).toContain('Requesters cannot decide on their own request');
    const stranger = await click(people.diego, 'approve', { requestId: id });
    expect(text(stranger.body.value)).toContain('There is no request');

    // Reject without a comment is refused by the rules.
    const noComment = await click(people.megan, 'reject', { requestId: id, comment: '  ' });
    expect(text(noComment.body.value)).toContain('A rejection needs a comment');

    // Approve after a refresh: still a card response; a double click gets the same recorded decision.
    const [first, second] = await Promise.all([
      click(people.megan, 'approve', { requestId: id }),
      click(people.megan, 'approve', { requestId: id }),
    ]);
    for (const res of [first, second]) {
      expect(res?.status).toBe(200);
      expect(res?.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
      expect(text(res?.body.value)).toContain('You approved this request');
      expect(hasButtons(res?.body.value)).toBe(false);
    }
    // Teams retries the invoke later: the recorded-decision card again, not an error.
    const retried = await click(people.megan, 'approve', { requestId: id });
    expect(text(retried.body.value)).toContain('You approved this request');
    // No answer was pushed to the clicked message itself (teams-ai's "replace for all" would PUT it).
    expect(connector.calls.filter((c) => c.method === 'PUT' && c.activityId === CLICKED)).toEqual([]);

    await host.idle();
    const detail = await admin().get<{ state: string; audit: Array<{ type: string }> }>(
      `/api/approvals/${id}`,
    );
    expect(detail.body.state).toBe('Approved');
    expect(detail.body.audit.map((a) => a.type)).toEqual(['requested', 'decision', 'outcome']);

    // Every posted card now shows the outcome; the requester was told.
    const updated = connector.to(people.megan.chat, 'PUT').filter((c) => c.activityId === shown);
    expect(updated.length).toBeGreaterThan(0);
    expect(hasButtons(updated.at(-1)?.body.attachments?.[0]?.content)).toBe(false);
    const told = connector.to(people.pat.chat, 'POST').filter((c) => noteOf(c)?.includes('is approved'));
    expect(told).toHaveLength(1);

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
    expect(text(invalid.body.value)).toContain('termMonths');

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
    const replies = await say(people.pat, 'request Team offsite');
    const id = /generic-\w+/.exec(replies[0]?.body.text ?? '')?.[0] as string;
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
    const replies = await say(people.pat, 'request Standing desk');
    const id = /generic-\w+/.exec(replies[0]?.body.text ?? '')?.[0] as string;
    await host.idle();
    const detail = await admin().get<{ unreachable: Array<{ id: string }> }>(`/api/approvals/${id}`);
    expect(detail.body.unreachable.map((u) => u.id)).toEqual([MEGAN]);
    expect(host.logs.some((l) => l.includes('unreachable: Signoff is not installed') && l.includes(id))).toBe(
      true,
    );
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
