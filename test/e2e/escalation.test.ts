/**
 * A deadline passing, on the host's virtual clock: nobody decides on a loan within the manager
 * stage's two days, so the workflow escalates to Adele. Adele gets the card proactively, Megan's
 * card is updated to show she can no longer decide, and Adele's approval completes the request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChatMessage, cardText, executeVerbs, messageText } from './playground';
import { invokeCard, isAbout, requestLoan, type Signoff, startSignoff, waitForInstance } from './signoff';

describe('e2e: the manager deadline passes', () => {
  let s: Signoff;
  beforeAll(async () => {
    s = await startSignoff();
    for (const user of ['megan', 'adele', 'patti']) await s.pg.install(user);
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('escalates to Adele after two days, and the cards follow', async () => {
    const { pg, host } = s;
    const { requestId } = await requestLoan(pg, 'patti', {
      amount: 4000,
      currency: 'EUR',
      purpose: 'Workshop tools',
      termMonths: 18,
    });
    const canDecide = (m: ChatMessage) =>
      isAbout(requestId)(m) && m.cards.some((c) => executeVerbs(c).includes('approve'));
    const megansCard = await pg.waitForActivity('megan', canDecide, { description: "Megan's card" });
    await host.idle();
    expect((await pg.conversation('adele')).filter(isAbout(requestId))).toEqual([]);

    await host.clock.advance('P2DT1M');

    // Adele, the escalation approver, is asked proactively, with buttons.
    const adelesCard = await pg.waitForActivity('adele', canDecide, { description: 'the escalated card' });
    expect(messageText(adelesCard)).toMatch(/4,?000/);
    expect((await pg.deliveries('adele')).map((d) => d.type).sort()).toEqual([
      'conversationUpdate',
      'installationUpdate',
    ]);

    // Megan's card is updated in place: she can no longer decide.
    const megansNow = await pg.waitForActivity(
      'megan',
      (m) => m.id === megansCard.id && m.versions.some((v) => v.source === 'updated') && !canDecide(m),
      { description: "Megan's card updated after the escalation" },
    );
    expect(messageText(megansNow)).toContain(requestId);
    // Nothing she sees still offers buttons (reminders included: each is a card the bot updates).
    expect
      .soft(
        (await pg.conversation('megan')).filter(canDecide).map((m) => m.id),
        'cards Megan can still decide on after the escalation',
      )
      .toEqual([]);

    // Megan's old card no longer counts: clicking it is refused.
    const late = await pg.clickAction('megan', megansCard, 'approve');
    expect(executeVerbs(invokeCard(late))).not.toContain('approve');
    expect((await host.client.status(requestId)).body.runtimeStatus).toBe('Running');

    expect(cardText(invokeCard(await pg.clickAction('adele', adelesCard, 'approve')))).toMatch(/approved/i);
    const done = await waitForInstance(host, requestId, ['Completed']);
    const { decisions } = done.output as { decisions: Array<{ approver: { id: string } }> };
    expect(decisions.map((d) => d.approver.id)).toEqual([pg.user('adele').aadObjectId]);

    await pg.waitForActivity('patti', (m) => isAbout(requestId)(m) && /approved/i.test(messageText(m)), {
      description: 'with the outcome',
    });
    // Adele's card ends showing the outcome, no buttons.
    await pg.waitForActivity(
      'adele',
      (m) => m.id === adelesCard.id && m.versions.some((v) => v.source === 'updated') && !canDecide(m),
      { description: "Adele's card updated to the outcome" },
    );
  });
});
