/**
 * The Teams notifier against Azurite (the real table storage the app uses) and a stand-in for the
 * Teams connector service (test/support/connector.ts): the Bot Connector REST calls a real Teams
 * or Agents Playground would receive are recorded there, as Teams itself cannot be reached here.
 */
import { randomUUID } from 'node:crypto';
import { TeamsAdapter } from '@microsoft/teams-ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApprovalStatus } from '../domain/decide';
import type { Log } from '../domain/log';
import type { User } from '../domain/requests';
import { table } from '../functions/storage/tables';
import { FakeConnector, noteOf } from '../test/support/connector';
import { ConversationStore } from './conversations';
import { TeamsNotifier } from './notifier';

const connector = new FakeConnector();
const conversations = new ConversationStore(table);
const lines: string[] = [];
const log: Log = {
  info: (msg) => lines.push(msg),
  warn: (msg) => lines.push(msg),
  error: (msg) => lines.push(msg),
};
let notifier: TeamsNotifier;

beforeAll(async () => {
  await connector.start();
  notifier = new TeamsNotifier(new TeamsAdapter({}), '', conversations, table);
});

afterAll(async () => {
  await connector.stop();
});

function person(name: string): User {
  const id = randomUUID();
  return { id, name, email: `${id}@contoso.example` };
}

/** A personal chat with the bot, stored the way an install stores it. */
async function install(user: { id: string; name: string }): Promise<string> {
  const conversationId = `a:${randomUUID()}`;
  await conversations.save({
    type: 'installationUpdate',
    channelId: 'msteams',
    serviceUrl: connector.url,
    from: { id: `29:${user.id}`, name: user.name, aadObjectId: user.id },
    recipient: { id: '28:signoff', name: 'Signoff' },
    conversation: { id: conversationId, conversationType: 'personal', isGroup: false, name: '' },
  });
  return conversationId;
}

function pending(users: User[], requester: User): ApprovalStatus {
  return {
    id: `generic-${randomUUID().slice(0, 8)}`,
    kind: 'generic',
    title: 'New laptop',
    requester,
    request: { title: 'New laptop', details: '' },
    createdAt: new Date().toISOString(),
    state: 'Pending',
    stage: {
      index: 0,
      count: 1,
      name: 'manager',
      title: 'Manager approval',
      approvers: users,
      awaiting: users,
      mode: { type: 'any' },
      required: 1,
      approvals: 0,
      deadline: new Date(Date.now() + 86_400_000).toISOString(),
      escalated: false,
      startedAt: new Date().toISOString(),
    },
    decisions: [],
    unreachable: [],
  };
}

const verbs = (call: { body: { attachments?: Array<{ content: Record<string, unknown> }> } }) =>
  JSON.stringify(call.body.attachments?.[0]?.content ?? {}).match(/"verb":"(\w+)"/g) ?? [];

describe('TeamsNotifier', () => {
  it('posts each approver their card once per key, however often the activity runs', async () => {
    const megan = person('Megan Bowen');
    const nobody = person('Not Installed');
    const chat = await install(megan);
    const status = pending([megan, nobody], person('Pat'));

    const first = await notifier.requestApproval(status, [megan, nobody], 'request-0', log);
    expect(first.unreachable.map((u) => u.id)).toEqual([nobody.id]);
    const posts = connector.to(chat, 'POST');
    expect(posts).toHaveLength(1);
    expect(posts[0]?.body.attachments?.[0]?.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(verbs(posts[0] as never)).toEqual(expect.arrayContaining(['"verb":"approve"', '"verb":"reject"']));
    // refresh.userIds carry the Teams id Teams knows the installed approver by.
    const card = posts[0]?.body.attachments?.[0]?.content as { refresh?: { userIds?: string[] } };
    expect(card.refresh?.userIds).toEqual([`29:${megan.id}`, nobody.id]);

    // The activity runs again (a retry after a crash): nothing is sent twice.
    const second = await notifier.requestApproval(status, [megan, nobody], 'request-0', log);
    expect(second.unreachable.map((u) => u.id)).toEqual([nobody.id]);
    expect(connector.to(chat, 'POST')).toHaveLength(1);

    // A reminder is another key: sent once as well.
    await notifier.remind(status, [megan], 'reminder-0-1', log);
    await notifier.remind(status, [megan], 'reminder-0-1', log);
    const reminders = connector.to(chat, 'POST').slice(1);
    expect(reminders).toHaveLength(1);
    expect(reminders[0] && noteOf(reminders[0])).toMatch(
      /^Reminder: "New laptop" is waiting for your decision/,
    );
  });

  it('updates every posted card when the request ends, and tells the requester once', async () => {
    const megan = person('Megan Bowen');
    const pat = person('Pat Requester');
    const meganChat = await install(megan);
    const patChat = await install(pat);
    const status = pending([megan], pat);
    await notifier.requestApproval(status, [megan], 'request-0', log);
    const posted = connector.to(meganChat, 'POST')[0]?.assignedId;
    expect(posted).toBeDefined();

    const approved: ApprovalStatus = {
      ...status,
      state: 'Approved',
      reason: 'Every stage approved',
      closedAt: new Date().toISOString(),
      decisions: [
        {
          stage: 0,
          approver: megan,
          decision: 'approve',
          at: new Date().toISOString(),
        },
      ],
      stage: status.stage && { ...status.stage, awaiting: [], approvals: 1 },
    };
    await notifier.updateCards(approved, 'cards-Approved', log);
    const updates = connector.to(meganChat, 'PUT');
    expect(updates).toHaveLength(1);
    expect(updates[0]?.activityId).toBe(posted);
    expect(verbs(updates[0] as never)).toEqual([]);
    expect(JSON.stringify(updates[0]?.body.attachments?.[0]?.content)).toContain('Approved');

    await notifier.notifyRequester(approved, 'outcome-Approved', log);
    await notifier.notifyRequester(approved, 'outcome-Approved', log);
    const told = connector.to(patChat, 'POST');
    expect(told).toHaveLength(1);
    expect(told[0] && noteOf(told[0])).toBe('Your request "New laptop" is approved.');
  });

  it('keeps the requester’s own card up to date and tells them, once, in a line, when a stage passes and how it ends', async () => {
    const megan = person('Megan Bowen');
    const lynne = person('Lynne Robbins');
    const pat = person('Pat Requester');
    await install(megan);
    await install(lynne);
    const patChat = await install(pat);
    const first = pending([megan], pat);
    // The bot sent Pat her card in answer to the request form: noted, so the workflow updates it.
    const reference = (await conversations.personal(pat.id))?.reference ?? {};
    await notifier.track(first.id, 'requester-card', pat, 'requester', reference, 'pats-form');
    await notifier.requestApproval(first, [megan], 'request-0', log);

    const second: ApprovalStatus = {
      ...first,
      decisions: [{ stage: 0, approver: megan, decision: 'approve', at: new Date().toISOString() }],
      stage: {
        ...(first.stage as NonNullable<ApprovalStatus['stage']>),
        index: 1,
        count: 2,
        title: 'Finance approval',
        approvers: [lynne],
        awaiting: [lynne],
      },
    };
    // The activity may run twice: one note all the same.
    await notifier.requestApproval(second, [lynne], 'request-1', log);
    await notifier.requestApproval(second, [lynne], 'request-1', log);
    const notes = connector.to(patChat, 'POST');
    expect(notes.map((n) => n.body.text)).toEqual([
      'Your request "New laptop" passed stage 1 of 2, approved by Megan Bowen. It now waits for Finance approval (stage 2 of 2).',
    ]);
    expect(notes[0]?.body.attachments ?? []).toEqual([]);
    const updates = connector.to(patChat, 'PUT').filter((c) => c.activityId === 'pats-form');
    expect(JSON.stringify(updates.at(-1)?.body)).toContain('Stage 2 of 2: Finance approval');

    const rejected: ApprovalStatus = {
      ...second,
      state: 'Rejected',
      reason: 'Rejected by Lynne Robbins at stage "Finance approval"',
      closedAt: new Date().toISOString(),
    };
    await notifier.updateCards(rejected, 'cards-Rejected', log);
    await notifier.notifyRequester(rejected, 'outcome-Rejected', log);
    await notifier.notifyRequester(rejected, 'outcome-Rejected', log);
    // Her card shows the outcome; the note is a line, not a second card, and notes are never updated.
    const last = connector
      .to(patChat, 'PUT')
      .filter((c) => c.activityId === 'pats-form')
      .at(-1);
    expect(JSON.stringify(last?.body)).toContain('Rejected');
    expect(connector.to(patChat, 'POST').map((n) => n.body.text)).toEqual([
      notes[0]?.body.text,
      'Your request "New laptop" is rejected. Rejected by Lynne Robbins at stage "Finance approval".',
    ]);
    const noteIds = connector.to(patChat, 'POST').map((n) => n.assignedId);
    expect(connector.to(patChat, 'PUT').filter((c) => noteIds.includes(c.activityId))).toEqual([]);
  });

  it('reports an approver Teams refuses to deliver to as unreachable instead of failing', async () => {
    const gone = person('Removed The App');
    const chat = await install(gone);
    connector.forbidden.add(chat);
    const status = pending([gone], person('Pat'));
    const delivery = await notifier.requestApproval(status, [gone], 'request-0', log);
    expect(delivery.unreachable.map((u) => u.id)).toEqual([gone.id]);
    // Not recorded as sent, so a later retry tries again.
    connector.forbidden.delete(chat);
    expect((await notifier.requestApproval(status, [gone], 'request-0', log)).unreachable).toEqual([]);
    expect(connector.to(chat, 'POST')).toHaveLength(2);
  });
});
