import { describe, expect, it } from 'vitest';
import { approvalCard, errorCard } from '../cards';
import type { ApprovalStatus } from '../domain/decide';
import { CARD_RESPONSE_TYPE, cardResponse, MESSAGE_RESPONSE_TYPE, messageResponse } from './invokeResponse';

const megan = { id: 'megan', name: 'Megan Bowen', email: 'megan@contoso.example' };
const status: ApprovalStatus = {
  id: 'generic-abc',
  kind: 'generic',
  title: 'New laptop',
  requester: { id: 'pat', name: 'Pat', email: 'pat@contoso.example' },
  request: { title: 'New laptop', details: '' },
  createdAt: '2025-01-01T00:00:00.000Z',
  state: 'Pending',
  stage: {
    index: 0,
    count: 1,
    name: 'manager',
    title: 'Manager approval',
    approvers: [megan],
    awaiting: [megan],
    mode: { type: 'any' },
    required: 1,
    approvals: 0,
    deadline: '2025-01-03T00:00:00.000Z',
    escalated: false,
    startedAt: '2025-01-01T00:00:00.000Z',
  },
  decisions: [],
  unreachable: [],
};

describe('invoke responses', () => {
  it('a card answer is HTTP 200 with { statusCode: 200, type: adaptive card, value: card }, also for cards with refresh', () => {
    const card = approvalCard(status, 'approver');
    expect(card.refresh).toBeDefined();
    const response = cardResponse(card);
    expect(response).toEqual({
      status: 200,
      body: { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: card },
    });
    expect(CARD_RESPONSE_TYPE).toBe('application/vnd.microsoft.card.adaptive');
    expect(Object.keys(response.body ?? {}).sort()).toEqual(['statusCode', 'type', 'value']);
    // The same shape for a card without refresh: nothing about one answer changes the next.
    expect(cardResponse(errorCard('x')).body?.type).toBe(CARD_RESPONSE_TYPE);
  });

  it('a message answer carries the text as value', () => {
    expect(messageResponse('Sent')).toEqual({
      status: 200,
      body: { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: 'Sent' },
    });
    expect(MESSAGE_RESPONSE_TYPE).toBe('application/vnd.microsoft.activity.message');
  });
});
