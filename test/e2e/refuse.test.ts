/**
 * Decisions the workflow must not take, and a rejection: a click by someone who is not an
 * approver of the stage is refused with an error card to the clicker alone, a rejection needs a
 * comment, and the comment reaches the requester.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChatMessage, cardText, executeVerbs, messageText } from './playground';
import { invokeCard, isAbout, requestLoan, type Signoff, startSignoff, waitForInstance } from './signoff';

describe('e2e: refused clicks and a rejection', () => {
  let s: Signoff;
  beforeAll(async () => {
    s = await startSignoff();
    for (const user of ['megan', 'diego', 'patti']) await s.pg.install(user);
  });
  afterAll(async () => {
    await s?.stop();
  });

  const approvalCardOf = (requestId: string) => (m: ChatMessage) =>
    isAbout(requestId)(m) && m.cards.some((c) => executeVerbs(c).includes('approve'));

  it("refuses a non-approver's click, with an error card to the clicker only", async () => {
    const { pg, host } = s;
    const { requestId } = await requestLoan(pg, 'patti', {
      amount: 1200,
      currency: 'EUR',
      purpose: 'Laptop',
      termMonths: 12,
    });
    const megansCard = await pg.waitForActivity('megan', approvalCardOf(requestId), { description: 'card' });

    // Diego is a risk officer, not the manager: an Approve for this request (a forwarded or stale
    // card) clicked in his chat must not count. He has no part in this request, so for him it does
    // not exist (ids cannot be probed).
    const diegoBefore = await pg.conversation('diego');
    const target = diegoBefore.at(-1) as ChatMessage;
    const click = await pg.clickAction('diego', target, 'approve', { requestId });
    const card = invokeCard(click);
    expect(executeVerbs(card)).not.toContain('approve');
    expect(cardText(card)).toMatch(/^Not found\nThere is no request "loan-/);

    // Nothing changed: the workflow still waits for the manager, nobody else was told anything.
    const instance = await host.client.status(requestId);
    expect(instance.body.runtimeStatus).toBe('Running');
    expect(JSON.stringify(instance.body.customStatus ?? {})).not.toContain(pg.user('diego').aadObjectId);
    await host.idle();
    expect((await pg.conversation('diego')).length).toBe(diegoBefore.length);
    const megan = (await pg.conversation('megan')).find((m) => m.id === megansCard.id);
    expect(megan?.versions).toHaveLength(1);
    expect(
      (await pg.conversation('patti')).filter(
        (m) => isAbout(requestId)(m) && /rejected|approved/i.test(messageText(m)),
      ),
    ).toEqual([]);

    // The manager can still decide.
    expect(cardText(invokeCard(await pg.clickAction('megan', megansCard, 'approve')))).toMatch(/approved/i);
    await waitForInstance(host, requestId, ['Completed']);
  });

  it('a rejection needs a comment, and the comment reaches the requester', async () => {
    const { pg, host } = s;
    const { requestId } = await requestLoan(pg, 'patti', {
      amount: 8000,
      currency: 'EUR',
      purpose: 'Trade fair stand',
      termMonths: 24,
    });
    const card = await pg.waitForActivity('megan', approvalCardOf(requestId), { description: 'card' });

    // Without a comment the rejection is not taken: the card says the comment is needed to reject
    // (not required on the card, where Approve goes without one), and the bot gives the card back,
    // buttons and all, saying what is missing.
    const commentInput = JSON.stringify(card.cards[0]).match(/"id":"comment"[^}]*"label":"([^"]*)"/);
    expect(commentInput?.[1]).toBe('Comment (needed to reject, optional to approve)');
    const bare = await pg.clickAction('megan', card, 'reject', undefined, { comment: '' });
    expect(cardText(invokeCard(bare))).toMatch(/Add a comment to reject/);
    expect(cardText(invokeCard(bare))).not.toMatch(/you rejected/i);
    expect(executeVerbs(invokeCard(bare))).toEqual(expect.arrayContaining(['approve', 'reject']));
    await host.idle();
    const waiting = await host.client.status(requestId);
    expect(waiting.body.runtimeStatus).toBe('Running');
    expect(JSON.stringify(waiting.body.customStatus)).not.toMatch(/"decision":"reject"/);

    const comment = 'Budget for fairs is spent this year';
    const click = await pg.clickAction('megan', card, 'reject', undefined, { comment });
    expect(cardText(invokeCard(click))).toMatch(/rejected/i);
    expect(cardText(invokeCard(click))).toContain(comment);

    const done = await waitForInstance(host, requestId, ['Completed']);
    expect(JSON.stringify(done.output)).toContain(comment);

    const outcome = await pg.waitForActivity(
      'patti',
      (m) => isAbout(requestId)(m) && /rejected/i.test(messageText(m)) && messageText(m).includes(comment),
      { description: 'with the rejection and its comment' },
    );
    expect(executeVerbs(outcome.cards[0] ?? {})).toEqual([]);

    const asked = await pg.sendMessage('patti', `status ${requestId}`);
    const status = await pg.waitForActivity(
      'patti',
      (m) => m.timestamp > asked.timestamp && isAbout(requestId)(m),
      {
        description: 'with the status',
      },
    );
    expect(messageText(status)).toMatch(/Rejected/);
    expect(messageText(status)).toContain(comment);
  });
});
