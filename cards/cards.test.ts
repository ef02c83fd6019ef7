/**
 * Every card, rendered from the sample data, checked against Adaptive Cards 1.5 with the
 * official object model (see validate.ts: it parses in plain Node, no DOM needed), plus the
 * promises the bot relies on: verbs, buttons per view, refresh, size, truncation, no empty text.
 */
import { describe, expect, it } from 'vitest';
import { COMMAND_NAMES, COMMANDS, SUPPORTED_CURRENCIES } from '../domain/commands';
import type { ApprovalStatus } from '../domain/decide';
import type { IndexRow } from '../domain/lists';
import {
  type AdaptiveCardJson,
  approvalCard,
  CARD_CONTENT_TYPE,
  cardAttachment,
  decisionRecordedCard,
  errorCard,
  helpCard,
  LIST_LIMITS,
  myRequestsCard,
  outcomeCard,
  pendingCard,
  problemSentence,
  requesterCard,
  requestFormCard,
  stageRule,
  statusCard,
  TEXT_LIMITS,
  truncate,
} from './index';
import {
  approvedGeneric,
  crowdRequest,
  documentedLoan,
  indexRows,
  leeRejects,
  longText,
  pendingLoan,
  rejectedLoan,
  sampleCards,
  worstCase,
  worstCaseWide,
} from './samples';
import { formatDuration } from './text';
import { validateCard } from './validate';

type Node = Record<string, unknown>;

/** Every object in the card, depth first. */
function nodes(value: unknown): Node[] {
  if (Array.isArray(value)) return value.flatMap(nodes);
  if (value === null || typeof value !== 'object') return [];
  return [value as Node, ...Object.values(value).flatMap(nodes)];
}

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

const ofType = (card: unknown, type: string) => nodes(card).filter((n) => n.type === type);
const verbs = (card: AdaptiveCardJson) => ofType(card, 'Action.Execute').map((a) => a.verb);
const bytes = (card: AdaptiveCardJson) => Buffer.byteLength(JSON.stringify(cardAttachment(card)));
const allText = (card: AdaptiveCardJson) => strings(card.body).join('\n');

const extraCards: Record<string, AdaptiveCardJson> = {
  'approval-worst-case-readonly': approvalCard(worstCase, 'readonly'),
  'approval-worst-case-wide': approvalCard(worstCaseWide, 'approver'),
  'outcome-worst-case': outcomeCard({
    ...worstCase,
    state: 'Rejected',
    closedAt: '2025-03-12T00:00:00.000Z',
  }),
  'status-worst-case-wide': statusCard(worstCaseWide),
  'decision-recorded-worst-case': decisionRecordedCard(worstCase, worstCase.decisions[1]!),
  'my-requests-many': myRequestsCard(manyRows(45)),
  'form-loan-empty': requestFormCard('loan'),
  'help-personal': helpCard(undefined, 'personal'),
};
const all = Object.entries({ ...sampleCards(), ...extraCards });

function manyRows(n: number): IndexRow[] {
  return Array.from({ length: n }, (_, i) => ({
    ...indexRows[0]!,
    id: `loan-${String(i).padStart(4, '0')}`,
    title: `${longText(400)} ${i}`,
    createdAt: new Date(Date.UTC(2025, 0, 1 + i)).toISOString(),
  }));
}

describe('every card', () => {
  it.each(all)('%s is a valid Adaptive Card 1.5', (_name, card) => {
    expect(card).toMatchObject({ type: 'AdaptiveCard', version: '1.5' });
    expect(validateCard(card)).toEqual([]);
  });

  it.each(all)('%s has no unresolved binding and no empty text', (_name, card) => {
    expect(strings(card).filter((s) => s.includes('\u0024{'))).toEqual([]);
    for (const block of [...ofType(card, 'TextBlock'), ...ofType(card, 'TextRun')]) {
      expect(String(block.text ?? '').trim(), JSON.stringify(block)).not.toBe('');
    }
    for (const fact of ofType(card, 'FactSet').flatMap((f) => f.facts as Node[])) {
      expect(String(fact.value).trim()).not.toBe('');
    }
  });

  it.each(all)('%s: every Action.Execute has a verb and data', (_name, card) => {
    for (const action of ofType(card, 'Action.Execute')) {
      expect(typeof action.verb === 'string' && action.verb !== '', JSON.stringify(action)).toBe(true);
      expect(action.data).toBeTypeOf('object');
    }
  });

  it.each(all)('%s stays under 28 KB', (_name, card) => {
    expect(bytes(card)).toBeLessThan(28 * 1024);
  });
});

describe('the validator', () => {
  // A check that cannot fail proves nothing: show that it catches each kind of mistake.
  it('reports unknown types, invalid values, post-1.5 features, missing labels and dropped properties', () => {
    const card = {
      type: 'AdaptiveCard',
      version: '1.5',
      body: [
        { type: 'TextBlock', text: 'x', size: 'Enormous' },
        { type: 'Chart.Pie' },
        { type: 'Input.Text', id: 'a', isRequired: true },
        { type: 'TextBlock', text: 'y', isSubtitle: true },
      ],
      actions: [{ type: 'Action.Popover', title: 'p' }],
    };
    const events = validateCard(card).map((p) => p.event);
    expect(events).toEqual(
      expect.arrayContaining([
        'InvalidPropertyValue',
        'UnknownElementType',
        'UnknownActionType',
        'RequiredInputsShouldHaveLabel',
        'RequiredInputsShouldHaveErrorMessage',
        'DroppedProperty',
      ]),
    );
  });
});

describe('approvalCard', () => {
  const approver = approvalCard(pendingLoan, 'approver');
  const readonly = approvalCard(pendingLoan, 'readonly');

  it('gives approvers Approve and Reject, both sending the comment, with the request id', () => {
    const actions = ofType(approver, 'Action.Execute').filter((a) => a.verb !== 'refresh');
    expect(actions).toEqual([
      expect.objectContaining({
        verb: 'approve',
        associatedInputs: 'auto',
        data: { requestId: pendingLoan.id },
      }),
      expect.objectContaining({
        verb: 'reject',
        associatedInputs: 'auto',
        data: { requestId: pendingLoan.id },
      }),
    ]);
    // Not required on the card (Approve must go without one), so no asterisk that reads as
    // "always required": the label says when it is needed, and the bot enforces it on Reject.
    const [comment] = ofType(approver, 'Input.Text');
    expect(comment).toMatchObject({
      id: 'comment',
      label: 'Comment (needed to reject, optional to approve)',
    });
    expect(comment?.isRequired).toBeUndefined();
  });

  it('shows a refusal on top when asked to (a rejection sent without a comment), buttons kept', () => {
    const card = approvalCard(pendingLoan, 'approver', { notice: 'Add a comment to reject.' });
    expect(JSON.stringify(card.body[0])).toContain('Add a comment to reject.');
    expect(verbs(card)).toEqual(expect.arrayContaining(['approve', 'reject']));
    expect(JSON.stringify(approver)).not.toContain('Add a comment to reject');
  });

  it('shows everyone else the same information without input or buttons', () => {
    expect(verbs(readonly)).toEqual(['refresh']);
    expect(readonly.actions).toBeUndefined();
    expect(ofType(readonly, 'Input.Text')).toEqual([]);
    const facts = (card: AdaptiveCardJson) => ofType(card, 'FactSet');
    expect(facts(readonly)).toEqual(facts(approver));
  });

  it('shows title, amount, requester, stage n of m, deadline, risk, decisions, awaited and unreachable approvers', () => {
    const text = allText(approver);
    for (const expected of [
      pendingLoan.title,
      '25,000 EUR',
      'Megan Bowen',
      'Stage 1 of 2: Line manager',
      'Decide by {{DATE(2025-03-12T16:00:00Z, SHORT)}}',
      '42 / 100 (medium)',
      'Adele Vance',
      'Fine by me: the quote is in line with last year.',
      'Waiting for Lee Gu and Isaiah Langer',
      'Could not reach Nestor Wilke',
    ]) {
      expect(text).toContain(expected);
    }
  });

  it('asks Teams to refresh it for the stage approvers', () => {
    for (const card of [approver, readonly]) {
      expect(card.refresh).toEqual({
        action: { type: 'Action.Execute', verb: 'refresh', data: { requestId: pendingLoan.id } },
        userIds: pendingLoan.stage!.approvers.map((a) => a.id),
      });
    }
  });

  it('refreshes for the first 60 of 100 approvers and says how the others decide', () => {
    const card = approvalCard(crowdRequest, 'readonly');
    const ids = crowdRequest.stage!.approvers.map((a) => a.id);
    expect(card.refresh?.userIds).toEqual(ids.slice(0, LIST_LIMITS.refreshUsers));
    expect(allText(card)).toContain('The other 40 see read-only status here');
    expect(allText(approvalCard(pendingLoan, 'readonly'))).not.toContain('read-only status');
  });

  it('renders a closed request as its outcome, without buttons or refresh', () => {
    const card = approvalCard(rejectedLoan, 'approver');
    expect(card).toEqual(outcomeCard(rejectedLoan));
    expect(verbs(card)).toEqual([]);
    expect(card.refresh).toBeUndefined();
  });

  it('never shows an empty name or title', () => {
    const blank: ApprovalStatus = {
      ...pendingLoan,
      title: '   ',
      requester: { ...pendingLoan.requester, name: '' },
      decisions: [{ ...pendingLoan.decisions[0]!, approver: { ...pendingLoan.requester, name: '\n' } }],
    };
    const text = allText(approvalCard(blank, 'readonly'));
    expect(text).toContain('Untitled request');
    expect(text).toContain('Requester\nUnknown user');
    expect(text).toContain('by Unknown user, stage 1');
  });

  it('shows user text literally: a binding in it is not evaluated', () => {
    const title = 'Pay \u0024{requester.name} \u0024{1+1}';
    expect(title).toContain('$' + '{');
    expect(allText(approvalCard({ ...pendingLoan, title }, 'readonly'))).toContain(title);
  });
});

describe('size and truncation', () => {
  it('keeps the worst case (80 long decisions, 5,000-character texts, wide characters) under 28 KB', () => {
    for (const card of [approvalCard(worstCase, 'approver'), approvalCard(worstCaseWide, 'approver')]) {
      expect(bytes(card)).toBeLessThan(28 * 1024);
      expect(allText(card)).toMatch(/\d+ earlier decisions not shown/);
      expect(card.refresh?.userIds).toHaveLength(60);
    }
  });

  it('cuts a 5,000-character purpose at a word boundary with an ellipsis', () => {
    const purpose = longText(5000);
    const shown = strings(approvalCard(worstCase, 'readonly')).find(
      (s) => s.startsWith('Lorem') && s.length > 400,
    );
    expect(shown).toBeDefined();
    expect(Array.from(shown!).length).toBeLessThanOrEqual(TEXT_LIMITS.purpose);
    expect(shown!.endsWith('…')).toBe(true);
    const kept = shown!.slice(0, -1);
    expect(purpose.startsWith(kept)).toBe(true);
    expect(purpose[kept.length]).toMatch(/[\s.,]/);
  });

  it('truncate: leaves short text, tidies whitespace, never splits a surrogate pair', () => {
    expect(truncate('  short   title ', 20)).toBe('short title');
    expect(truncate('line one\n\n\n\nline two', 50, { multiline: true })).toBe('line one\n\nline two');
    expect(truncate('line one\nline two', 50)).toBe('line one line two');
    expect(truncate('abcdefghijklmnopqrstuvwxyz', 10)).toBe('abcdefghi…');
    expect(truncate('the quick brown fox jumps', 19)).toBe('the quick brown…');
    const emoji = truncate('😀'.repeat(20), 5);
    expect(Array.from(emoji)).toEqual(['😀', '😀', '😀', '😀', '…']);
  });
});

describe('decisionRecordedCard, outcomeCard, statusCard', () => {
  it('confirms the clicker’s decision without buttons or refresh', () => {
    const card = decisionRecordedCard(pendingLoan, leeRejects);
    expect(allText(card)).toContain('You rejected this request');
    expect(allText(card)).toContain(leeRejects.comment);
    expect(verbs(card)).toEqual([]);
    expect(card.refresh).toBeUndefined();
    const closed = allText(decisionRecordedCard(rejectedLoan, leeRejects));
    expect(closed).toContain('The request is now rejected.');
    expect(closed).not.toContain('Decide by');
  });

  it.each([
    ['Approved', approvedGeneric, 'Every stage approved'],
    ['Rejected', rejectedLoan, 'Rejected by Lee Gu'],
    [
      'Expired',
      { ...approvedGeneric, state: 'Expired', reason: 'No decision by its deadline' },
      'No decision',
    ],
    [
      'Cancelled',
      { ...pendingLoan, state: 'Cancelled', reason: 'Cancelled by the requester' },
      'Cancelled by',
    ],
  ] as const)('outcome %s shows the state, reason and every decision', (state, status, reason) => {
    const card = outcomeCard(status as ApprovalStatus);
    const text = allText(card);
    expect(text).toContain(state);
    expect(text).toContain(reason);
    for (const d of status.decisions) expect(text).toContain(d.approver.name);
    expect(verbs(card)).toEqual([]);
    expect(card.refresh).toBeUndefined();
    expect(text).not.toContain('Decide by');
  });

  it('status answers where the request stands, without buttons', () => {
    const card = statusCard(pendingLoan);
    expect(allText(card)).toContain('Stage 1 of 2: Line manager');
    expect(allText(card)).toContain('Waiting for Lee Gu and Isaiah Langer');
    expect(verbs(card)).toEqual([]);
    expect(allText(statusCard(rejectedLoan))).toContain('Status: rejected');
  });
});

describe('lists', () => {
  it('my requests: every row, newest first, with a friendly empty state', () => {
    const text = allText(myRequestsCard(indexRows));
    const order = indexRows.map((r) => text.indexOf(r.id));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect(text.indexOf('gen-crowd0001')).toBeLessThan(text.indexOf('gen-9zz1x0cc'));
    expect(allText(myRequestsCard([]))).toContain('You have not asked for anything yet');
  });

  it('pending: only open requests awaiting me, each with a Review (open) button and no Cancel', () => {
    const card = pendingCard(indexRows);
    const ids = ofType(card, 'Action.Execute').map((a) => (a.data as Node).requestId);
    expect(ids.sort()).toEqual(['gen-crowd0001', 'loan-7k2m9qxd']);
    expect(verbs(card).every((v) => v === 'open')).toBe(true);
    expect(ofType(card, 'Action.Execute').map((a) => a.title)).toEqual(['Review', 'Review']);
    expect(allText(pendingCard([]))).toContain('Nothing is waiting for you');
  });

  it('pending: the approver’s workload under the heading, when there is one', () => {
    const figures = {
      open: 2,
      decidedThisWeek: 5,
      weekStart: '2026-11-23T00:00:00.000Z',
      averageDecisionMs: 3 * 3_600_000 + 12 * 60_000,
      averagedOver: 9,
    };
    expect(allText(pendingCard(indexRows, figures))).toContain(
      'Your workload: 2 open · 5 decided this week · 3h 12m to decide on average (last 30 days)',
    );
    const none = { ...figures, open: 0, decidedThisWeek: 0, averageDecisionMs: undefined, averagedOver: 0 };
    expect(allText(pendingCard([], none))).toContain(
      'Your workload: 0 open · 0 decided this week · no decisions in the last 30 days',
    );
    expect(allText(pendingCard(indexRows))).not.toContain('Your workload');
    expect([30_000, 45 * 60_000, 2 * 3_600_000, 52 * 3_600_000, 48 * 3_600_000].map(formatDuration)).toEqual([
      'under a minute',
      '45m',
      '2h',
      '2d 4h',
      '2d',
    ]);
  });

  it('my requests: Open on every row, Cancel (after a confirmation) on the open ones only', () => {
    const card = myRequestsCard(indexRows);
    const open = ofType(card, 'Action.Execute').filter((a) => a.verb === 'open');
    expect(open.map((a) => (a.data as Node).requestId).sort()).toEqual(indexRows.map((r) => r.id).sort());
    const confirms = ofType(card, 'Action.ShowCard');
    expect(confirms.map((c) => c.title)).toEqual(['Cancel', 'Cancel']);
    const cancels = confirms.flatMap((c) => ofType(c.card, 'Action.Execute'));
    expect(cancels.map((a) => a.data)).toEqual([
      { requestId: pendingLoan.id, list: 'mine' },
      { requestId: 'gen-crowd0001', list: 'mine' },
    ]);
    // Colour only where Teams' colours read well: no green or yellow text for a state.
    const states = ofType(card, 'TextBlock').filter((t) => t.horizontalAlignment === 'Right');
    expect(states.map((t) => [t.text, t.color ?? 'Default'])).toEqual([
      ['Waiting', 'Accent'],
      ['Waiting', 'Accent'],
      ['Approved', 'Default'],
      ['Expired', 'Default'],
    ]);
  });

  it('shows at most 20 rows and says how many more there are', () => {
    const card = myRequestsCard(manyRows(45));
    expect(ofType(card, 'Action.Execute').filter((a) => a.verb === 'open')).toHaveLength(LIST_LIMITS.rows);
    expect(allText(card)).toContain('Showing 20 of 45. 25 more requests not shown');
  });
});

describe('requestFormCard', () => {
  it('loan: inputs with the prefill, currencies from the command table, verb submitRequest with the kind', () => {
    const card = requestFormCard('loan', { amount: 2500, currency: 'usd', purpose: 'Laptop' });
    expect(ofType(card, 'Input.Number').find((i) => i.id === 'amount')?.value).toBe(2500);
    const currency = ofType(card, 'Input.ChoiceSet')[0]!;
    expect(currency.value).toBe('USD');
    expect((currency.choices as Node[]).map((c) => c.value)).toEqual([...SUPPORTED_CURRENCIES]);
    expect(ofType(card, 'Input.Text').find((i) => i.id === 'purpose')?.value).toBe('Laptop');
    expect(ofType(card, 'Action.Execute')).toEqual([
      expect.objectContaining({ verb: 'submitRequest', data: { kind: 'loan' } }),
    ]);
    const ids = nodes(card.body).flatMap((n) => (typeof n.id === 'string' ? [n.id] : []));
    expect(ids.sort()).toEqual(['amount', 'applicant', 'currency', 'purpose', 'termMonths']);
  });

  it('generic: leaves unset inputs empty and lists problems from a failed submission', () => {
    const card = requestFormCard('generic', { currency: 'XXX' }, [
      { field: 'details.title', rule: 'must not be empty' },
    ]);
    expect(ofType(card, 'Input.ChoiceSet')[0]!.value).toBeUndefined();
    expect(ofType(card, 'Input.Text').every((i) => i.value === undefined)).toBe(true);
    expect(allText(card)).toContain('Please check the form:\nThe title is missing.');
    expect(allText(card)).not.toContain('details.');
    expect(ofType(card, 'Action.Execute')[0]).toMatchObject({
      verb: 'submitRequest',
      data: { kind: 'generic' },
    });
  });
});

describe('helpCard and errorCard', () => {
  it('lists every command of the command table', () => {
    const text = allText(helpCard());
    for (const name of COMMAND_NAMES) {
      expect(text).toContain(COMMANDS[name].usage);
      expect(text).toContain(COMMANDS[name].description);
    }
    expect(allText(helpCard(undefined, 'team'))).not.toContain(COMMANDS.pending.description);
  });

  it('puts a suggestion on top, by command name or keyword', () => {
    expect(allText(helpCard('myRequests'))).toContain('Did you mean "my requests"?');
    expect(allText(helpCard('cancel'))).toContain('Did you mean "cancel <id>"?');
    expect(allText(helpCard())).not.toContain('Did you mean');
  });

  it('error: the message, cut to its limit, and never empty', () => {
    expect(allText(errorCard('Only the approvers of stage "X" can decide now'))).toContain(
      'Only the approvers of stage "X" can decide now',
    );
    expect(allText(errorCard(''))).toContain('Something went wrong.');
    const long = ofType(errorCard(longText(2000)), 'TextRun')[0]!.text as string;
    expect(Array.from(long).length).toBeLessThanOrEqual(TEXT_LIMITS.message);
  });
});

describe('wording as a Teams user reads it', () => {
  const stage = pendingLoan.stage!;
  it('says what a stage needs in words, never "0 of 1 approval so far"', () => {
    const one = { ...stage, approvers: stage.approvers.slice(0, 1), required: 1, approvals: 0 };
    expect(stageRule(one)).toBe('One approval is needed.');
    expect(stageRule({ ...stage, mode: { type: 'any' }, required: 1, approvals: 0 })).toBe(
      'One approval from any of the 3 approvers is enough.',
    );
    expect(stageRule({ ...stage, mode: { type: 'all' }, required: 3, approvals: 1 })).toBe(
      'All 3 approvers must approve: 1 has so far.',
    );
    expect(stageRule({ ...stage, required: 2, approvals: 0 })).toBe(
      '2 of the 3 approvers must approve: none has so far.',
    );
    for (const card of all.map(([, c]) => c))
      expect(allText(card)).not.toMatch(/\d+ of \d+ approvals? so far/);
  });

  it('form problems are sentences with the field as the form names it', () => {
    expect(problemSentence({ field: 'details.amount', rule: 'must not be negative' })).toBe(
      'The amount must not be negative.',
    );
    expect(
      problemSentence({
        field: 'details.purpose',
        rule: 'Invalid input: expected string, received undefined',
      }),
    ).toBe('The purpose is missing.');
    expect(
      problemSentence({ field: 'details.termMonths', rule: 'Too big: expected number to be <=600' }),
    ).toBe('The term must be at most 600.');
    expect(problemSentence({ field: 'request', rule: 'no rule of the policy matches this request' })).toBe(
      'No rule of the policy matches this request.',
    );
    const text = allText(
      requestFormCard('generic', { amount: -3 }, [{ field: 'details.amount', rule: 'must not be negative' }]),
    );
    expect(text).toContain('The amount must not be negative.');
    expect(text).not.toMatch(/amount:/);
    // A field left empty is missing, whatever the schema's rule says about its type.
    expect(problemSentence({ field: 'details.termMonths', rule: 'must be a number' }, false)).toBe(
      'The term is missing.',
    );
  });

  it('the risk score and unreachable approvers are for approvers; the requester reads that it waits', () => {
    for (const card of [
      approvalCard(pendingLoan, 'readonly'),
      statusCard(pendingLoan),
      outcomeCard(rejectedLoan),
    ]) {
      expect(allText(card)).toContain('Risk score');
    }
    expect(allText(approvalCard(pendingLoan, 'readonly'))).toContain('Could not reach Nestor Wilke');
    for (const card of [
      requesterCard(pendingLoan),
      statusCard(pendingLoan, 'requester'),
      requesterCard(rejectedLoan),
      outcomeCard(rejectedLoan, 'requester'),
    ]) {
      const text = allText(card);
      expect(text).not.toContain('Risk score');
      expect(text).not.toContain('42 / 100');
      expect(text).not.toContain('Nestor Wilke');
      expect(text).not.toContain('Could not reach');
    }
    expect(allText(requesterCard(pendingLoan))).toContain('Waiting for approval');
    expect(allText(requesterCard(pendingLoan))).toContain('Waiting for Lee Gu and Isaiah Langer');
  });

  it('names the requester once, with the applicant when it is the same person', () => {
    const facts = (card: AdaptiveCardJson) =>
      ofType(card, 'FactSet').flatMap((f) => (f.facts as Node[]).map((x) => `${x.title}: ${x.value}`));
    // Someone else applies: both rows.
    expect(facts(approvalCard(pendingLoan, 'readonly'))).toEqual(
      expect.arrayContaining(['Applicant: Contoso Field Services', 'Requester: Megan Bowen']),
    );
    const own: ApprovalStatus = {
      ...pendingLoan,
      request: { ...(pendingLoan.request as object), applicant: 'megan  bowen' } as ApprovalStatus['request'],
    };
    const rows = facts(approvalCard(own, 'readonly'));
    expect(rows.filter((r) => /megan bowen/i.test(r))).toEqual(['Requester and applicant: Megan Bowen']);
    // The requester is not told who they are.
    expect(facts(requesterCard(own)).filter((r) => r.startsWith('Requester'))).toEqual([]);
  });
});

describe('the requester’s own card', () => {
  it('while open: where it stands and Cancel behind a confirmation; no decision buttons, no refresh', () => {
    const card = requesterCard(pendingLoan);
    expect(allText(card)).toContain('Stage 1 of 2: Line manager');
    expect(card.refresh).toBeUndefined();
    expect(verbs(card)).toEqual(['cancel']);
    const [confirm] = ofType(card, 'Action.ShowCard');
    expect(confirm?.title).toBe('Cancel request');
    expect(ofType(confirm?.card, 'Action.Execute')).toEqual([
      expect.objectContaining({
        verb: 'cancel',
        title: 'Yes, cancel it',
        data: { requestId: pendingLoan.id },
      }),
    ]);
  });

  it('once closed: the outcome, without Cancel', () => {
    for (const [status, headline] of [
      [rejectedLoan, 'Rejected'],
      [approvedGeneric, 'Approved'],
    ] as const) {
      const card = requesterCard(status);
      expect(allText(card)).toContain(headline);
      expect(verbs(card)).toEqual([]);
      expect(ofType(card, 'Action.ShowCard')).toEqual([]);
    }
    expect(verbs(statusCard(rejectedLoan, 'requester'))).toEqual([]);
  });
});

it('cardAttachment wraps a card for the Bot Framework', () => {
  const card = helpCard();
  expect(cardAttachment(card)).toEqual({ contentType: CARD_CONTENT_TYPE, content: card });
  expect(CARD_CONTENT_TYPE).toBe('application/vnd.microsoft.card.adaptive');
});

describe('documents on the cards', () => {
  const json = (card: AdaptiveCardJson) => JSON.stringify(card);

  it('each document is a button that opens it, on every card of the request', () => {
    for (const card of [
      approvalCard(documentedLoan, 'approver'),
      approvalCard(documentedLoan, 'readonly'),
      requesterCard(documentedLoan),
      statusCard(documentedLoan),
      outcomeCard({ ...documentedLoan, state: 'Approved' }),
    ]) {
      expect(json(card)).toContain('"verb":"openDocument"');
      expect(json(card)).toContain('"title":"Payslip February 2025.pdf (PDF, 180 KiB)"');
      expect(json(card)).toContain('"documentId":"d-77aa01bc02cd03de"');
      expect(validateCard(card)).toEqual([]);
    }
  });

  it('what was asked of the requester, in words for each reader; only a current approver can ask', () => {
    const approver = json(approvalCard(documentedLoan, 'approver'));
    expect(approver).toContain(
      'Adele Vance asked the requester for another document: The supplier quote for the vans. Arrived: Van quote.xlsx.',
    );
    expect(approver).toContain(
      "Lee Gu asked the requester for another document: Last year's balance sheet. Waiting for it.",
    );
    expect(approver).toContain('"verb":"askDocument"');
    expect(json(approvalCard(documentedLoan, 'readonly'))).not.toContain('"verb":"askDocument"');
    const requester = json(requesterCard(documentedLoan));
    expect(requester).toContain('Waiting for a document from you');
    expect(requester).toContain(
      "Lee Gu asks you for another document: Last year's balance sheet. Send the file to Signoff",
    );
    expect(requester).not.toContain('"verb":"askDocument"');
    expect(json(statusCard(documentedLoan, 'requester'))).toContain('Status: waiting for a document');
  });

  it('a request that takes no documents (started before them) shows none and offers no ask', () => {
    const card = json(approvalCard(pendingLoan, 'approver'));
    expect(card).not.toContain('Documents to review');
    expect(card).not.toContain('"verb":"askDocument"');
  });
});
