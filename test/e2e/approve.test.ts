/**
 * Loans approved end to end through Teams' side of the product: the requester asks by chat, each
 * stage's approvers (who installed the app first) get the card proactively and click Approve, the
 * workflow completes, and the requester hears the outcome and can ask for the status.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChatMessage, cardText, executeVerbs, messageText } from './playground';
import {
  invokeCard,
  isAbout,
  requestIdOf,
  requestLoan,
  type Signoff,
  startSignoff,
  waitForInstance,
} from './signoff';

describe('e2e: a loan approved from the Playground', () => {
  let s: Signoff;
  beforeAll(async () => {
    s = await startSignoff();
    for (const user of ['megan', 'alex', 'diego', 'patti']) await s.pg.install(user);
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('requester asks by chat, manager approves the proactive card, requester gets the outcome', async () => {
    const { pg, host } = s;

    const { requestId } = await requestLoan(pg, 'patti', {
      amount: 2500,
      currency: 'EUR',
      purpose: 'Delivery van',
      termMonths: 36,
    });
    expect(requestId).toMatch(/^loan-/);

    // Megan never wrote to the bot: the card can only have come proactively.
    const card = await pg.waitForActivity(
      'megan',
      (m) => isAbout(requestId)(m) && m.cards.some((c) => executeVerbs(c).includes('approve')),
      { description: `with the approval card of ${requestId}` },
    );
    expect((await pg.deliveries('megan')).map((d) => d.type).sort()).toEqual([
      'conversationUpdate',
      'installationUpdate',
    ]);
    expect(messageText(card)).toMatch(/2,?500/);
    expect(messageText(card)).toMatch(/Delivery van/);
    expect(executeVerbs(card.cards[0] ?? {})).toEqual(expect.arrayContaining(['approve', 'reject']));

    const click = await pg.clickAction('megan', card, 'approve');
    expect(click.status).toBe(200);
    expect(click.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(executeVerbs(click.value as Record<string, unknown>)).not.toContain('approve');

    const done = await waitForInstance(host, requestId, ['Completed']);
    expect(JSON.stringify(done.output)).toMatch(/Approved/i);

    // The requester is told, without asking.
    const outcome = await pg.waitForActivity(
      'patti',
      (m) => isAbout(requestId)(m) && /approved/i.test(messageText(m)),
      {
        description: `with the outcome of ${requestId}`,
      },
    );
    expect(executeVerbs(outcome.cards[0] ?? {})).not.toContain('approve');

    // Megan's card is brought up to date by the bot: no buttons left.
    const updated = await pg.waitForActivity(
      'megan',
      (m) =>
        m.id === card.id &&
        m.versions.some((v) => v.source === 'updated') &&
        /approved/i.test(messageText(m)),
      { description: 'with her card updated to the outcome' },
    );
    expect(executeVerbs(updated.cards[0] ?? {})).toEqual([]);

    const asked = await pg.sendMessage('patti', `status ${requestId}`);
    const status = await pg.waitForActivity(
      'patti',
      (m) => m.timestamp > asked.timestamp && isAbout(requestId)(m),
      {
        description: `with the status of ${requestId}`,
      },
    );
    expect(messageText(status)).toMatch(/Approved/);
    expect(status.cards.map(requestIdOf)).toContain(requestId);

    // Everyone was reached as far as the bot knows: each proactive message was accepted as one
    // message with an id (the Playground splits text + card into two and answers without one).
    expect
      .soft(
        host.logs.filter((l) => l.includes('unreachable')),
        'people the bot reports unreachable',
      )
      .toEqual([]);
  });

  it('a 50,000 loan needs the manager, then a risk officer', async () => {
    const { pg, host } = s;
    const { requestId } = await requestLoan(pg, 'patti', {
      amount: 50000,
      currency: 'EUR',
      purpose: 'Warehouse shelving',
      termMonths: 60,
    });
    const hasButtons = (m: ChatMessage) =>
      isAbout(requestId)(m) && m.cards.some((c) => executeVerbs(c).includes('approve'));

    const managerCard = await pg.waitForActivity('megan', hasButtons, { description: 'manager card' });
    // Nobody in risk hears of it before the manager decides.
    for (const risk of ['alex', 'diego'])
      expect((await pg.conversation(risk)).filter(isAbout(requestId))).toEqual([]);
    expect(invokeCard(await pg.clickAction('megan', managerCard, 'approve'))).toBeTruthy();

    // Stage 2: both risk officers get a card with buttons; one approval is enough (mode any).
    const alexCard = await pg.waitForActivity('alex', hasButtons, { description: 'risk card for Alex' });
    const diegoCard = await pg.waitForActivity('diego', hasButtons, { description: 'risk card for Diego' });
    expect(messageText(alexCard)).toMatch(/50,?000/);
    const instance = await host.client.status(requestId);
    expect(instance.body.runtimeStatus).toBe('Running');

    const click = await pg.clickAction('alex', alexCard, 'approve');
    expect(cardText(invokeCard(click))).toMatch(/approved/i);
    const done = await waitForInstance(host, requestId, ['Completed']);
    // Both stages decided, by the manager and by Alex.
    const { decisions } = done.output as { decisions: Array<{ stage: number; approver: { id: string } }> };
    expect(decisions.map((d) => [d.stage, d.approver.id])).toEqual([
      [0, pg.user('megan').aadObjectId],
      [1, pg.user('alex').aadObjectId],
    ]);

    // Diego's card loses its buttons: the request is decided.
    const diegoNow = await pg.waitForActivity(
      'diego',
      (m) => m.id === diegoCard.id && !m.cards.some((c) => executeVerbs(c).includes('approve')),
      { description: "with Diego's card updated" },
    );
    expect(messageText(diegoNow)).toMatch(/approved/i);
    await pg.waitForActivity('patti', (m) => isAbout(requestId)(m) && /approved/i.test(messageText(m)), {
      description: 'with the outcome',
    });
    const asked = await pg.sendMessage('patti', `status ${requestId}`);
    const status = await pg.waitForActivity(
      'patti',
      (m) => m.timestamp > asked.timestamp && isAbout(requestId)(m),
      {
        description: 'with the status',
      },
    );
    expect(messageText(status)).toMatch(/Approved/);
    expect(messageText(status)).toMatch(/50,?000/);
  });
});
