/**
 * Documents to review, over HTTP. Who acts is the signed-in user (guard.ts); access follows
 * domain/access.ts. Limits and types: domain/documents.ts; storage and links: approvals/documents.ts.
 *
 *   POST /api/approvals/{id}/documents?name=payslip.pdf   the file as the raw body (its own Content-Type
 *        or application/octet-stream; never a form's: multipart/form-data, urlencoded, text/plain)
 *        → 201 {document, url, expiresAt} | 200 the same content again
 *        | 400 no name, bad name, empty | 403 not the requester | 404 | 409 closed, too many,
 *          a request from before documents | 413 too large | 415 not an allowed type, a form's type
 *   GET  /api/approvals/{id}/documents                    → 200 {documents: [... url, expiresAt]} | 404
 *   POST /api/approvals/{id}/documents/request  {note}    an approver asks for another → 202 | 403 | 404 | 409
 *   GET  /api/documents/{id}/{documentId}?u=&exp=&sig=    the content, through a link from the
 *        above (no sign-in: the link is the proof) → 200 | 403 expired or not ours | 404
 */
import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import * as df from 'durable-functions';
import { z } from 'zod/v4';
import { DocumentRejectedError, MAX_DOCUMENT_BYTES } from '../../domain/documents';
import { parseWith } from '../../domain/validation';
import { checkLink, listDocuments, readDocument } from '../approvals/documents';
import {
  addDocument,
  approvalStatusFor,
  askForDocument,
  type DocumentRefusal,
  documentsFor,
} from '../approvals/service';
import { jsonBody } from './body';
import { forUsers, guarded, problem, type UserHandler } from './guard';
import type { Caller } from './principal';

const client = df.input.durableClient();

const documentErrors = (error: unknown): HttpResponseInit | undefined =>
  error instanceof DocumentRejectedError
    ? problem(error.status, error.message, { code: error.code, problem: error.problem })
    : undefined;

const documents = (handler: UserHandler) => forUsers(handler, documentErrors);

const REFUSAL_STATUS: Record<DocumentRefusal, number> = {
  'not-found': 404,
  'not-requester': 403,
  'not-an-approver': 403,
  closed: 409,
  'no-documents': 409,
};

const originOf = (request: HttpRequest) => new URL(request.url).origin;
const actorOf = (caller: Caller) => ({ id: caller.id, name: caller.name, roles: caller.roles });

/**
 * The types a plain HTML form (or any cross-site request without a CORS preflight) can send: a
 * document never comes as one, so a page elsewhere cannot post a file with a user's session.
 */
const FORM_TYPES = new Set(['multipart/form-data', 'application/x-www-form-urlencoded', 'text/plain']);

/** The raw body, refused with 413 before it is read when it says it is too large. */
async function rawBody(request: HttpRequest): Promise<Buffer> {
  const type = request.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase() ?? '';
  if (FORM_TYPES.has(type)) {
    throw new DocumentRejectedError(
      'form-type',
      415,
      `Send the file itself as the body, with its own Content-Type (such as application/pdf, or application/octet-stream), not ${type}`,
    );
  }
  const tooLarge = (bytes: number) =>
    new DocumentRejectedError(
      'too-large',
      413,
      `The document is ${(bytes / 1024 / 1024).toFixed(1)} MiB; a document may be at most ${MAX_DOCUMENT_BYTES / 1024 / 1024} MiB`,
    );
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > MAX_DOCUMENT_BYTES) throw tooLarge(declared);
  const bytes = Buffer.from(await request.arrayBuffer());
  if (bytes.length > MAX_DOCUMENT_BYTES) throw tooLarge(bytes.length);
  return bytes;
}

app.http('approvalDocumentsAdd', {
  route: 'approvals/{id}/documents',
  methods: ['POST'],
  authLevel: 'anonymous',
  extraInputs: [client],
  handler: documents(async (request, context, caller) => {
    const id = request.params.id ?? '';
    const bytes = await rawBody(request);
    const outcome = await addDocument(
      df.getClient(context),
      id,
      actorOf(caller),
      request.query.get('name'),
      bytes,
    );
    if (!outcome.ok)
      return problem(REFUSAL_STATUS[outcome.refusal], outcome.message, { refusal: outcome.refusal });
    const status = await approvalStatusFor(df.getClient(context), id, actorOf(caller));
    const listed = status ? await documentsFor(status, actorOf(caller), originOf(request)) : [];
    const withLink = listed.find((d) => d.id === outcome.document.id) ?? outcome.document;
    context.log(
      JSON.stringify({
        msg: 'document added',
        requestId: id,
        document: outcome.document.id,
        sha256: outcome.document.sha256,
        size: outcome.document.size,
        by: caller.id,
        repeated: outcome.repeated,
      }),
    );
    return {
      status: outcome.repeated ? 200 : 201,
      jsonBody: { document: withLink, repeated: outcome.repeated },
    };
  }),
});

app.http('approvalDocumentsList', {
  route: 'approvals/{id}/documents',
  methods: ['GET'],
  authLevel: 'anonymous',
  extraInputs: [client],
  handler: documents(async (request, context, caller) => {
    const id = request.params.id ?? '';
    const status = await approvalStatusFor(df.getClient(context), id, actorOf(caller));
    if (!status) return problem(404, `No approval request with id "${id}"`);
    return { jsonBody: { documents: await documentsFor(status, actorOf(caller), originOf(request)) } };
  }),
});

const askBody = z.object({
  note: z
    .string('must say what document is wanted')
    .trim()
    .min(1, 'must say what document is wanted')
    .max(500, 'must be at most 500 characters'),
});

app.http('approvalDocumentsAsk', {
  route: 'approvals/{id}/documents/request',
  methods: ['POST'],
  authLevel: 'anonymous',
  extraInputs: [client],
  handler: documents(async (request, context, caller) => {
    const body = parseWith(askBody, await jsonBody(request));
    const id = request.params.id ?? '';
    const outcome = await askForDocument(df.getClient(context), id, actorOf(caller), body.note);
    if (!outcome.ok)
      return problem(REFUSAL_STATUS[outcome.refusal], outcome.message, { refusal: outcome.refusal });
    return { status: 202, jsonBody: { accepted: true, id, note: body.note } };
  }),
});

/** Inline for what a browser shows safely inside a sandbox; a download for the rest. */
const INLINE = new Set(['application/pdf', 'image/png', 'image/jpeg']);

const contentDisposition = (name: string, inline: boolean) =>
  `${inline ? 'inline' : 'attachment'}; filename="${name.replace(/[^\x20-\x7e]|["\\]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`;

app.http('documentContent', {
  route: 'documents/{id}/{documentId}',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: guarded(async (request, context) => {
    const id = request.params.id ?? '';
    const documentId = request.params.documentId ?? '';
    const viewer = request.query.get('u');
    const check = await checkLink({
      requestId: id,
      documentId,
      viewer,
      exp: request.query.get('exp'),
      sig: request.query.get('sig'),
    });
    const noStore = { 'Cache-Control': 'private, no-store', 'Referrer-Policy': 'no-referrer' };
    if (!check.ok) {
      context.log(
        JSON.stringify({ msg: 'document link refused', requestId: id, document: documentId, why: check.why }),
      );
      return {
        status: 403,
        headers: noStore,
        jsonBody: {
          error:
            check.why === 'expired'
              ? 'This document link has expired; open the document again from Signoff for a new one'
              : 'This is not a document link Signoff gave out',
          refusal: check.why,
        },
      };
    }
    const doc = (await listDocuments(id)).find((d) => d.id === documentId);
    const bytes = doc && (await readDocument(id, documentId));
    if (!doc || !bytes) return problem(404, 'The document is no longer there');
    context.log(JSON.stringify({ msg: 'document opened', requestId: id, document: documentId, by: viewer }));
    return {
      status: 200,
      headers: {
        ...noStore,
        'Content-Type': doc.mediaType,
        'Content-Disposition': contentDisposition(doc.name, INLINE.has(doc.mediaType)),
        'X-Content-Type-Options': 'nosniff',
        'Content-Security-Policy': "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'",
        'X-SHA-256': doc.sha256,
      },
      body: bytes,
    };
  }),
});
