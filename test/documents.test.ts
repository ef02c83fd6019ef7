/**
 * Documents to review through the approvals HTTP API, on the embedded host with the real function
 * app, the virtual clock and the test run's Azurite (blobs and tables): what a requester, an
 * approver, an admin and a stranger each observe. People are the dev users, signed in with tokens
 * of the host's dev issuer. Links live SIGNOFF_DOCUMENT_LINK_SECONDS (3 s here): the app's HTTP
 * functions run on the wall clock, not the host's virtual one.
 */
import { createHash } from 'node:crypto';
import JSZip from 'jszip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApprovalStatus } from '../domain/decide';
import { startTestHost, type TestHost } from '../host/testing';

const U = {
  megan: '00000000-0000-0000-0000-00000000a001',
  patti: '00000000-0000-0000-0000-00000000b001',
};

type Doc = { id: string; name: string; mediaType: string; size: number; sha256: string; url?: string };
type Detail = ApprovalStatus & {
  awaiting: Array<{ id: string }>;
  documents: Doc[];
  audit: Array<{ key: string; type: string; actor: string; details: Record<string, unknown> }>;
};

const LINK_SECONDS = 3;
let host: TestHost;

beforeAll(async () => {
  host = await startTestHost({
    app: '.',
    clock: 'virtual',
    env: { SIGNOFF_DOCUMENT_LINK_SECONDS: String(LINK_SECONDS) },
  });
});

afterAll(async () => {
  await host?.stop();
});

const pdf = (text: string) =>
  Buffer.from(`%PDF-1.4\n% ${text}\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n`);
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex');
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function requestLoan(amount: number, requester = 'patti'): Promise<string> {
  const res = await host.as(requester).post<{ id: string }>('/api/approvals/loan', {
    details: { applicant: 'Patti Fernandez', amount, currency: 'EUR', purpose: 'van', termMonths: 36 },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  await host.idle();
  return res.body.id;
}

/** Uploads `bytes` as `user`, as a client would: the raw body, the name in the query. */
async function upload(id: string, name: string | undefined, bytes: Buffer, user = 'patti') {
  const query = name === undefined ? '' : `?name=${encodeURIComponent(name)}`;
  const res = await fetch(`${host.url}/api/approvals/${id}/documents${query}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${await host.token(user)}`,
      'content-type': 'application/octet-stream',
    },
    body: new Uint8Array(bytes),
  });
  const body = (await res.json()) as { document: Doc; error?: string; problem?: string; refusal?: string };
  await host.idle();
  return { status: res.status, body };
}

async function detail(id: string, viewer = 'patti'): Promise<Detail> {
  const res = await host.as(viewer).get<Detail>(`/api/approvals/${id}`);
  expect(res.status).toBe(200);
  return res.body;
}

/** Opens a link as a browser would: no token, no key. */
const open = (url: string) => fetch(url);

describe('adding a document', () => {
  it('the requester adds a PDF: listed with its hash, audited, opened by an approver through a link', async () => {
    const id = await requestLoan(5_000);
    const content = pdf('payslip');
    const added = await upload(id, 'payslip March.pdf', content);
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    expect(added.body.document).toMatchObject({
      name: 'payslip March.pdf',
      mediaType: 'application/pdf',
      size: content.length,
      sha256: sha256(content),
    });

    const asRequester = await detail(id);
    expect(asRequester.documents.map((d) => d.name)).toEqual(['payslip March.pdf']);
    expect(asRequester.audit.find((a) => a.type === 'document')).toMatchObject({
      actor: U.patti,
      details: { name: 'payslip March.pdf', sha256: sha256(content), size: content.length },
    });

    // The approver opens it through the link the API gave them, from a browser without a token.
    const asApprover = await detail(id, 'megan');
    const link = asApprover.documents[0]?.url as string;
    expect(link).toMatch(/\/api\/documents\//);
    const res = await open(link);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('cache-control')).toContain('no-store');
    expect(res.headers.get('content-disposition')).toContain('payslip March.pdf');
    expect(Buffer.from(await res.arrayBuffer()).equals(content)).toBe(true);

    // The same content again is the same document.
    const again = await upload(id, 'payslip March.pdf', content);
    expect(again.status).toBe(200);
    expect((await detail(id)).documents).toHaveLength(1);
  });

  it('a stranger gets no link and cannot bend one; an admin sees names and hashes but no link', async () => {
    const id = await requestLoan(4_000);
    await upload(id, 'quote.pdf', pdf('quote'));
    expect((await host.as('alex').get(`/api/approvals/${id}/documents`)).status).toBe(404);
    expect((await host.as('alex').get(`/api/approvals/${id}`)).status).toBe(404);
    const admin = await host.as('isaiah').get<{ documents: Doc[] }>(`/api/approvals/${id}/documents`);
    expect(admin.status).toBe(200);
    expect(admin.body.documents[0]).toMatchObject({ name: 'quote.pdf' });
    expect(admin.body.documents[0]?.url).toBeUndefined();

    const link = new URL((await detail(id, 'megan')).documents[0]?.url as string);
    const forged = [
      ['u', '00000000-0000-0000-0000-00000000a003'],
      ['exp', String(Number(link.searchParams.get('exp')) + 3600)],
      ['sig', 'A'.repeat(43)],
    ];
    for (const [param, value] of forged) {
      const bent = new URL(link);
      bent.searchParams.set(param as string, value as string);
      const res = await open(bent.href);
      expect(res.status, param).toBe(403);
      expect(((await res.json()) as { error: string }).error).toMatch(/not a document link/);
    }
    // Another document of the same request with this link's signature: refused too.
    const other = await upload(id, 'other.pdf', pdf('other'));
    const swapped = new URL(link);
    swapped.pathname = swapped.pathname.replace(/d-[0-9a-f]{16}$/, other.body.document.id);
    expect((await open(swapped.href)).status).toBe(403);
  });

  it('a link expires', async () => {
    const id = await requestLoan(4_100);
    await upload(id, 'statement.pdf', pdf('statement'));
    const link = (await detail(id, 'megan')).documents[0]?.url as string;
    expect((await open(link)).status).toBe(200);
    await new Promise((r) => setTimeout(r, (LINK_SECONDS + 1) * 1000));
    const late = await open(link);
    expect(late.status).toBe(403);
    expect(((await late.json()) as { error: string }).error).toMatch(/expired/);
    // A fresh look at the request gives a fresh link.
    expect((await open((await detail(id, 'megan')).documents[0]?.url as string)).status).toBe(200);
  });

  it('types by content, sizes and who may add: 4xx naming the problem', async () => {
    const id = await requestLoan(4_200);
    const cases: Array<[string | undefined, Buffer, number, RegExp]> = [
      [undefined, pdf('x'), 400, /needs a name/],
      ['../etc/passwd.pdf', pdf('x'), 400, /not a usable document name/],
      ['empty.pdf', Buffer.alloc(0), 400, /is empty/],
      ['setup.exe', Buffer.from('MZ\x90\x00binary'), 415, /PDF, PNG, JPEG, DOCX, XLSX, TXT or CSV/],
      ['invoice.pdf', Buffer.from('MZ\x90\x00binary'), 415, /not a PDF, PNG/],
      ['photo.pdf', PNG, 415, /is a PNG image by its content; name it \.png/],
      ['notes.txt', Buffer.from([0x68, 0x69, 0x00, 0x01]), 415, /judged by its content/],
      ['big.pdf', Buffer.concat([pdf('big'), Buffer.alloc(10 * 1024 * 1024)]), 413, /at most 10 MiB/],
    ];
    for (const [name, bytes, status, message] of cases) {
      const res = await upload(id, name, bytes);
      expect(res.status, `${name}: ${JSON.stringify(res.body)}`).toBe(status);
      expect(res.body.error).toMatch(message);
    }
    // Allowed: PNG, text, CSV, and Office files by the parts their ZIP names.
    const zip = async (folder: string) => {
      const z = new JSZip();
      z.file('[Content_Types].xml', '<Types/>');
      z.file(`${folder}/document.xml`, '<x/>');
      return z.generateAsync({ type: 'nodebuffer' });
    };
    const good: Array<[string, Buffer, string]> = [
      ['scan.png', PNG, 'image/png'],
      ['notes.txt', Buffer.from('Résumé of the call\n'), 'text/plain; charset=utf-8'],
      ['figures.csv', Buffer.from('month,income\n1,2000\n'), 'text/csv; charset=utf-8'],
      [
        'letter.docx',
        await zip('word'),
        'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      ],
      ['budget.xlsx', await zip('xl'), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
    ];
    for (const [name, bytes, mediaType] of good) {
      const res = await upload(id, name, bytes);
      expect(res.status, `${name}: ${JSON.stringify(res.body)}`).toBe(201);
      expect(res.body.document.mediaType).toBe(mediaType);
    }
    // A Word file named .xlsx is refused; a ZIP that is no Office file too.
    expect((await upload(id, 'budget2.xlsx', await zip('word'))).status).toBe(415);
    expect((await upload(id, 'archive.docx', await zip('other'))).status).toBe(415);

    // A form's content types are refused: a page elsewhere cannot post a file with a user's session.
    for (const type of [
      'multipart/form-data; boundary=x',
      'application/x-www-form-urlencoded',
      'text/plain',
    ]) {
      const res = await fetch(`${host.url}/api/approvals/${id}/documents?name=notes.txt`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await host.token('patti')}`, 'content-type': type },
        body: 'hello',
      });
      expect(res.status, type).toBe(415);
      expect(((await res.json()) as { error: string }).error).toMatch(/Send the file itself as the body/);
    }

    // Only the requester adds; a stranger does not see the request.
    const byApprover = await upload(id, 'mine.pdf', pdf('megan'), 'megan');
    expect(byApprover.status).toBe(403);
    expect(byApprover.body.error).toMatch(/Only the requester/);
    expect((await upload(id, 'mine.pdf', pdf('alex'), 'alex')).status).toBe(404);

    // Ten documents at most.
    for (let i = 0; i < 5; i++) expect((await upload(id, `p${i}.pdf`, pdf(`p${i}`))).status).toBe(201);
    const eleventh = await upload(id, 'p-last.pdf', pdf('last'));
    expect(eleventh.status).toBe(409);
    expect(eleventh.body.error).toMatch(/already has 10 documents/);
    expect((await detail(id)).documents).toHaveLength(10);
  });

  it('25 MiB at most a request', async () => {
    const id = await requestLoan(4_300);
    const nine = (tag: string) => Buffer.concat([pdf(tag), Buffer.alloc(9 * 1024 * 1024)]);
    expect((await upload(id, 'a.pdf', nine('a'))).status).toBe(201);
    expect((await upload(id, 'b.pdf', nine('b'))).status).toBe(201);
    const third = await upload(id, 'c.pdf', nine('c'));
    expect(third.status).toBe(413);
    expect(third.body.error).toMatch(/together they may be at most 25 MiB/);
  });

  it('a closed request takes no more documents', async () => {
    const id = await requestLoan(4_400);
    await host.as('patti').post(`/api/approvals/${id}/cancel`);
    await host.idle();
    const res = await upload(id, 'late.pdf', pdf('late'));
    expect(res.status).toBe(409);
    expect(res.body.error).toMatch(/already Cancelled/);
  });
});

describe('a policy that requires a document', () => {
  it('a loan above 100,000 waits for a document before the manager is asked', async () => {
    const id = await requestLoan(250_000);
    const waiting = await detail(id);
    expect(waiting.state).toBe('Pending');
    expect(waiting.stage).toBeUndefined();
    expect(waiting.awaiting).toEqual([]);
    expect(waiting.documentRequests).toMatchObject([
      { reason: 'policy', note: expect.stringMatching(/income/) },
    ]);
    const megan = await host
      .as('megan')
      .get<{ items: Array<{ id: string }> }>(`/api/approvals?awaiting=true&approver=${U.megan}`);
    expect(megan.body.items.map((i) => i.id)).not.toContain(id);

    const content = pdf('income');
    expect((await upload(id, 'income.pdf', content)).status).toBe(201);
    const asked = await detail(id);
    expect(asked.stage?.title).toBe('Manager approval');
    expect(asked.awaiting.map((a) => a.id)).toEqual([U.megan]);
    expect(asked.documentRequests?.[0]).toMatchObject({
      reason: 'policy',
      documentId: `d-${sha256(content).slice(0, 16)}`,
    });
    expect(asked.audit.map((a) => a.type).slice(0, 3)).toEqual([
      'requested',
      'document-requested',
      'document',
    ]);
  });

  it('expires when no document comes within 7 days', async () => {
    const id = await requestLoan(300_000);
    await host.clock.advance('P6DT23H');
    expect((await detail(id)).state).toBe('Pending');
    await host.clock.advance('PT2H');
    const done = await detail(id);
    expect(done.state).toBe('Expired');
    expect(done.reason).toMatch(/No document was added within 7 days/);
  });
});

describe('an approver asks for another document', () => {
  it('the workflow waits for it, the stage goes on meanwhile, and the approver sees it arrive', async () => {
    const id = await requestLoan(6_000);
    await upload(id, 'first.pdf', pdf('first'));
    // The requester and strangers cannot ask; the note is required.
    expect(
      (await host.as('patti').post(`/api/approvals/${id}/documents/request`, { note: 'x' })).status,
    ).toBe(403);
    expect((await host.as('alex').post(`/api/approvals/${id}/documents/request`, { note: 'x' })).status).toBe(
      404,
    );
    const noNote = await host
      .as('megan')
      .post<{ error: string }>(`/api/approvals/${id}/documents/request`, {});
    expect(noNote.status).toBe(400);
    expect(noNote.body.error).toMatch(/what document is wanted/);

    const ask = await host.as('megan').post(`/api/approvals/${id}/documents/request`, {
      note: 'The signed contract, please',
    });
    expect(ask.status).toBe(202);
    await host.idle();
    const waiting = await detail(id);
    expect(waiting.documentRequests).toMatchObject([
      { reason: 'approver', by: { id: U.megan }, note: 'The signed contract, please' },
    ]);
    expect(waiting.documentRequests?.[0]?.documentId).toBeUndefined();
    expect(waiting.audit.find((a) => a.type === 'document-requested')).toMatchObject({
      actor: U.megan,
      details: { note: 'The signed contract, please' },
    });

    // The stage's timers still run while it waits: a day later the reminder comes as before.
    await host.clock.advance('P1D');
    expect((await detail(id)).audit.some((a) => a.type === 'reminder')).toBe(true);

    const contract = pdf('contract');
    await upload(id, 'contract.pdf', contract);
    const arrived = await detail(id, 'megan');
    expect(arrived.documents.map((d) => d.name)).toEqual(['first.pdf', 'contract.pdf']);
    expect(arrived.documentRequests?.[0]).toMatchObject({ documentId: `d-${sha256(contract).slice(0, 16)}` });
    expect(arrived.audit.filter((a) => a.type === 'document').at(-1)).toMatchObject({
      details: { name: 'contract.pdf', askedBy: [U.megan], sha256: sha256(contract) },
    });
    expect(
      (await host.as('megan').post(`/api/approvals/${id}/decision`, { decision: 'approve' })).status,
    ).toBe(202);
    await host.idle();
    expect((await detail(id)).state).toBe('Approved');
  });
});

describe('events that bypass the API', () => {
  it('meet the same rules in the workflow: a document not from the requester, a forged id, an ask by a non-approver', async () => {
    const id = await requestLoan(7_000);
    const content = pdf('raw');
    const hash = sha256(content);
    const doc = {
      id: `d-${hash.slice(0, 16)}`,
      name: 'raw.pdf',
      mediaType: 'application/pdf',
      size: content.length,
      sha256: hash,
      uploadedBy: U.patti,
      uploadedAt: new Date().toISOString(),
    };
    await host.client.raiseEvent(id, 'document', { document: { ...doc, uploadedBy: U.megan } });
    await host.client.raiseEvent(id, 'document', { document: { ...doc, id: 'd-0000000000000000' } });
    await host.client.raiseEvent(id, 'document', { nonsense: true });
    await host.client.raiseEvent(id, 'document-request', {
      by: '00000000-0000-0000-0000-00000000a003',
      note: 'x',
    });
    await host.client.raiseEvent(id, 'document-request', { by: U.patti, note: 'x' });
    await host.idle();
    const status = await detail(id);
    expect(status.state).toBe('Pending');
    expect(status.documentRequests ?? []).toEqual([]);
    expect(status.audit.map((a) => a.type)).toEqual(['requested']);
    await host.client.operation(id, 'terminate');
  });
});

describe('requests started before documents (workflow version 1)', () => {
  it('run as before and refuse documents by name', async () => {
    // A version-1 instance: the input a request had before documents, without workflowVersion.
    const template = await requestLoan(1_500);
    const input = (await host.client.status(template, 'showInput=true')).body.input as Record<
      string,
      unknown
    >;
    const { workflowVersion, ...old } = input;
    expect(workflowVersion).toBe(3);
    const id = `${template}-v1`;
    await host.client.start('approvalWorkflow', { ...old, id }, id);
    await host.idle();
    const before = await detail(id);
    expect(before.documents).toEqual([]);
    expect(before.stage?.title).toBe('Manager approval');
    const res = await upload(id, 'late.pdf', pdf('v1'));
    expect(res.status).toBe(409);
    expect(res.body.error).toMatch(/started before Signoff took documents/);
    // The events of version 2 mean nothing to it; a decision still ends it.
    await host.client.raiseEvent(id, 'document-request', { by: U.megan, note: 'x' });
    expect(
      (await host.as('megan').post(`/api/approvals/${id}/decision`, { decision: 'approve' })).status,
    ).toBe(202);
    await host.idle();
    const done = await detail(id);
    expect(done.state).toBe('Approved');
    expect(done.audit.map((a) => a.type)).toEqual(['requested', 'decision', 'outcome']);
  });
});
