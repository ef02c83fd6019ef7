/**
 * A request's documents in storage, and the links that open them.
 *
 * Content is a private blob `approval-documents/<requestId>/<documentId>`, its facts a row of the
 * `approvaldocuments` table (PartitionKey the request id). The workflow learns of a document by
 * the `document` event and lists it in the request's status, cards and audit.
 *
 * Links: a document opens through `/api/documents/<requestId>/<documentId>?u=&exp=&sig=`, served
 * by this app. `sig` is an HMAC-SHA256 over the request, the document, the person it was issued
 * to and the expiry, so the link reads that one document, for {@link linkTtlSeconds} at most,
 * and nothing else. Links are issued only to a signed-in requester or approver (access.ts). The
 * key is `SIGNOFF_DOCUMENT_LINK_KEY` (base64, at least 32 bytes; a Key Vault reference in Azure)
 * or, without it, a random key the app keeps in a private blob of its own storage account, so
 * every instance and worker of the app signs with the same one. docs/security.md says why this
 * and not a SAS.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { RestError } from '@azure/storage-blob';
import { type DocumentRef, documentIdOf } from '../../domain/documents';
import { TerminalError } from '../../domain/errors';
import { container } from '../storage/blobs';
import { table } from '../storage/tables';

export const DOCUMENTS_CONTAINER = 'approval-documents';
export const DOCUMENTS_TABLE = 'approvaldocuments';
const KEYS_CONTAINER = 'signoff-keys';
const LINK_KEY_BLOB = 'document-links.key';

class LinkKeyError extends TerminalError {
  readonly code = 'DOCUMENT_LINK_SETTING';
}

/**
 * How long a link opens its document: `SIGNOFF_DOCUMENT_LINK_SECONDS` (1 to 3600), 300 by default.
 * A bad value stops the app at start-up, naming the setting.
 */
export function linkTtlSeconds(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.SIGNOFF_DOCUMENT_LINK_SECONDS?.trim();
  if (!raw) return 300;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 3600) {
    throw new LinkKeyError(
      `SIGNOFF_DOCUMENT_LINK_SECONDS: "${raw}" must be a whole number of seconds from 1 to 3600`,
    );
  }
  return n;
}

export const sha256Of = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** The documents a request has in storage, oldest first. */
export async function listDocuments(requestId: string): Promise<DocumentRef[]> {
  const docs = await table(DOCUMENTS_TABLE);
  const rows: DocumentRef[] = [];
  const filter = `PartitionKey eq '${requestId.replace(/'/g, "''")}'`;
  for await (const e of docs.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) {
    rows.push({
      id: String(e.rowKey),
      name: String(e.name),
      mediaType: String(e.mediaType),
      size: Number(e.size),
      sha256: String(e.sha256),
      uploadedBy: String(e.uploadedBy),
      uploadedAt: String(e.uploadedAt),
    });
  }
  return rows.sort((a, b) => a.uploadedAt.localeCompare(b.uploadedAt));
}

/** Stores the content and its row; the same content twice is the same document (idempotent). */
export async function storeDocument(
  requestId: string,
  name: string,
  mediaType: string,
  bytes: Uint8Array,
  sha256: string,
  uploadedBy: string,
  at: string,
): Promise<DocumentRef> {
  const id = documentIdOf(sha256);
  const blobs = await container(DOCUMENTS_CONTAINER);
  await blobs.getBlockBlobClient(`${requestId}/${id}`).uploadData(bytes, {
    blobHTTPHeaders: { blobContentType: mediaType },
    metadata: { sha256, requestid: requestId },
  });
  const doc: DocumentRef = { id, name, mediaType, size: bytes.length, sha256, uploadedBy, uploadedAt: at };
  const docs = await table(DOCUMENTS_TABLE);
  try {
    const { id: rowKey, ...facts } = doc;
    await docs.createEntity({ partitionKey: requestId, rowKey, ...facts });
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode !== 409) throw error;
    const rows = await listDocuments(requestId);
    return rows.find((d) => d.id === id) ?? doc;
  }
  return doc;
}

/** The content of a document, or undefined when there is none. */
export async function readDocument(requestId: string, documentId: string): Promise<Buffer | undefined> {
  const blobs = await container(DOCUMENTS_CONTAINER);
  try {
    return await blobs.getBlockBlobClient(`${requestId}/${documentId}`).downloadToBuffer();
  } catch (error) {
    if (error instanceof RestError && error.statusCode === 404) return undefined;
    throw error;
  }
}

/** A key given as the setting, checked (undefined when unset: the stored key is used). */
function keySetting(env: NodeJS.ProcessEnv = process.env): Buffer | undefined {
  const setting = env.SIGNOFF_DOCUMENT_LINK_KEY?.trim();
  if (!setting) return undefined;
  const key = Buffer.from(setting, 'base64');
  if (key.length < 32 || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(setting)) {
    throw new LinkKeyError('SIGNOFF_DOCUMENT_LINK_KEY must be at least 32 bytes, base64-encoded');
  }
  return key;
}

/** Checks the documents' settings at start-up, so a bad one stops the app naming it. */
export function checkDocumentSettings(env: NodeJS.ProcessEnv = process.env): void {
  linkTtlSeconds(env);
  keySetting(env);
}

let keyPromise: Promise<Buffer> | undefined;

/** The signing key: the setting, else the one kept in storage (created once, by whoever is first). */
export function linkKey(): Promise<Buffer> {
  keyPromise ??= (async () => {
    const setting = keySetting();
    if (setting) return setting;
    const keys = await container(KEYS_CONTAINER);
    const blob = keys.getBlockBlobClient(LINK_KEY_BLOB);
    try {
      await blob.uploadData(randomBytes(32), { conditions: { ifNoneMatch: '*' } });
    } catch (error) {
      const code = (error as { statusCode?: number }).statusCode;
      if (code !== 409 && code !== 412) throw error;
    }
    return blob.downloadToBuffer();
  })();
  keyPromise.catch(() => {
    keyPromise = undefined;
  });
  return keyPromise;
}

export interface LinkFacts {
  requestId: string;
  documentId: string;
  /** Who the link was issued to (their id): logged when it is opened. */
  viewer: string;
  /** Expiry, seconds since the epoch. */
  exp: number;
}

const payload = (f: LinkFacts) =>
  `signoff-document-v1\n${f.requestId}\n${f.documentId}\n${f.viewer}\n${f.exp}`;

export async function signLink(facts: LinkFacts): Promise<string> {
  return createHmac('sha256', await linkKey())
    .update(payload(facts))
    .digest('base64url');
}

/** A link for `viewer` to read one document, valid {@link linkTtlSeconds} from `now`. */
export async function documentLink(
  origin: string,
  requestId: string,
  documentId: string,
  viewer: string,
  now = Date.now(),
): Promise<{ url: string; expiresAt: string }> {
  const exp = Math.floor(now / 1000) + linkTtlSeconds();
  const sig = await signLink({ requestId, documentId, viewer, exp });
  const url = new URL(
    `/api/documents/${encodeURIComponent(requestId)}/${encodeURIComponent(documentId)}`,
    origin,
  );
  url.searchParams.set('u', viewer);
  url.searchParams.set('exp', String(exp));
  url.searchParams.set('sig', sig);
  return { url: url.href, expiresAt: new Date(exp * 1000).toISOString() };
}

export type LinkCheck = { ok: true } | { ok: false; why: 'malformed' | 'signature' | 'expired' };

/** Whether a link's signature is ours and it has not expired (nor lives longer than links do). */
export async function checkLink(
  facts: {
    requestId: string;
    documentId: string;
    viewer: string | null;
    exp: string | null;
    sig: string | null;
  },
  now = Date.now(),
): Promise<LinkCheck> {
  const exp = Number(facts.exp);
  if (!facts.viewer || !facts.sig || !/^\d{1,12}$/.test(facts.exp ?? ''))
    return { ok: false, why: 'malformed' };
  const expected = Buffer.from(
    await signLink({ requestId: facts.requestId, documentId: facts.documentId, viewer: facts.viewer, exp }),
  );
  const given = Buffer.from(facts.sig);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, why: 'signature' };
  const seconds = now / 1000;
  if (exp <= seconds || exp > seconds + linkTtlSeconds() + 60) return { ok: false, why: 'expired' };
  return { ok: true };
}
