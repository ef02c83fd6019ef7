/**
 * The Playground against the real bot, no workflow: install greets, `help` answers, an unknown
 * command gets help with a suggestion, and each user's chat is their own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeVerbs, messageText } from './playground';
import { type Signoff, startSignoff } from './signoff';

describe('Playground ↔ bot: chat basics', () => {
  let s: Signoff;
  beforeAll(async () => {
    s = await startSignoff();
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('install sends installationUpdate and conversationUpdate from the user, and the bot greets once', async () => {
    const deliveries = await s.pg.install('adele');
    expect(deliveries.map((d) => d.type)).toEqual(['installationUpdate', 'conversationUpdate']);
    const adele = s.pg.user('adele');
    for (const d of deliveries) {
      expect(d.activity.from).toMatchObject({ id: adele.id, aadObjectId: adele.aadObjectId });
      expect(d.activity.serviceUrl).toBe(`${(await s.pg.url('adele')).replace(/\/$/, '')}/_connector`);
      expect(d.activity.conversation).toMatchObject({ conversationType: 'personal' });
    }
    const greeting = await s.pg.waitForActivity('adele', (m) => m.from === 'bot', {
      description: 'greeting',
    });
    expect(messageText(greeting)).toMatch(/help/i);
    // The greeting is sent once, although Teams announces an install twice.
    expect((await s.pg.conversation('adele')).filter((m) => m.from === 'bot')).toHaveLength(1);
  });

  it('answers "help" with the command list', async () => {
    const { messageId } = await s.pg.sendMessage('patti', 'help');
    const chat = await s.pg.conversation('patti');
    const mine = chat.find((m) => m.id === messageId);
    expect(mine).toMatchObject({ from: 'user', text: 'help' });
    const reply = await s.pg.waitForActivity(
      'patti',
      (m) => m.from === 'bot' && /request loan/.test(messageText(m)),
      { description: 'with the help card' },
    );
    expect(messageText(reply)).toMatch(/status/);
    expect(messageText(reply)).toMatch(/pending/);
  });

  it("answers an unknown command with help, and only in that user's chat", async () => {
    await s.pg.sendMessage('diego', 'hepl');
    const reply = await s.pg.waitForActivity('diego', (m) => m.from === 'bot', { description: 'any answer' });
    expect(messageText(reply)).toMatch(/help/i);
    expect(executeVerbs(reply.cards[0] ?? {})).not.toContain('approve');
    // Diego's conversation is his own: Patti's chat did not get his answer.
    const patti = await s.pg.conversation('patti');
    expect(patti.some((m) => m.id === reply.id)).toBe(false);
  });

  it('keeps every Playground on loopback, with nothing sent elsewhere', async () => {
    for (const user of ['adele', 'patti', 'diego']) {
      expect(new URL(await s.pg.url(user)).hostname).toBe('127.0.0.1');
      expect(s.pg.logs(user).filter((l) => l.includes('[loopback] refused'))).toEqual([]);
    }
  });
});
