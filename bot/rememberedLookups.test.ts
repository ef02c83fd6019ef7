import { describe, expect, it } from 'vitest';
import { rememberedLookups, type StoredConversation } from './conversations';

describe('rememberedLookups', () => {
  it('reads each user once, including one with no chat, and each user separately', async () => {
    const reads: string[] = [];
    const store = {
      async personal(userId: string): Promise<StoredConversation | undefined> {
        reads.push(userId);
        return userId === 'none'
          ? undefined
          : { scope: 'personal', reference: { conversation: { id: `chat-${userId}` } } as never };
      },
    };
    const lookup = rememberedLookups(store);
    const [a, b] = await Promise.all([lookup.personal('megan'), lookup.personal('megan')]);
    expect(a).toBe(b);
    expect(await lookup.personal('none')).toBeUndefined();
    expect(await lookup.personal('none')).toBeUndefined();
    expect((await lookup.personal('diego'))?.reference).toEqual({ conversation: { id: 'chat-diego' } });
    expect(reads).toEqual(['megan', 'none', 'diego']);
    // Another piece of work starts afresh.
    await rememberedLookups(store).personal('megan');
    expect(reads).toEqual(['megan', 'none', 'diego', 'megan']);
  });
});
