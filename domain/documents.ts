/**
 * Documents to review: the files a request carries, the limits they meet and how their type is
 * known. A document's type is sniffed from its first bytes (and, for Office files, the parts the
 * ZIP names), never taken from the name or a Content-Type alone; the name's extension must agree.
 *
 * Limits (the same for the HTTP API and Teams):
 * - types: PDF, PNG, JPEG, DOCX, XLSX, TXT and CSV (UTF-8 text without control characters);
 * - at most {@link MAX_DOCUMENT_BYTES} (10 MiB) a document, never empty;
 * - at most {@link MAX_DOCUMENTS} (10) documents and {@link MAX_REQUEST_DOCUMENT_BYTES} (25 MiB) a
 *   request;
 * - a name of at most 120 characters, without path separators or control characters.
 *
 * Pure: no I/O. Storing, hashing and links are the function app's part.
 */
import { TerminalError } from './errors';

export const MIB = 1024 * 1024;
export const MAX_DOCUMENT_BYTES = 10 * MIB;
export const MAX_DOCUMENTS = 10;
export const MAX_REQUEST_DOCUMENT_BYTES = 25 * MIB;
export const MAX_DOCUMENT_NAME = 120;

export interface DocumentType {
  /** The media type a download is served as. */
  mediaType: string;
  /** How a person calls it. */
  label: string;
  /** Extensions a name of this type may end with (lower case, no dot). */
  extensions: readonly string[];
}

export const DOCUMENT_TYPES: readonly DocumentType[] = [
  { mediaType: 'application/pdf', label: 'PDF', extensions: ['pdf'] },
  { mediaType: 'image/png', label: 'PNG image', extensions: ['png'] },
  { mediaType: 'image/jpeg', label: 'JPEG image', extensions: ['jpg', 'jpeg'] },
  {
    mediaType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    label: 'Word document (DOCX)',
    extensions: ['docx'],
  },
  {
    mediaType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    label: 'Excel workbook (XLSX)',
    extensions: ['xlsx'],
  },
  { mediaType: 'text/plain; charset=utf-8', label: 'text file', extensions: ['txt'] },
  { mediaType: 'text/csv; charset=utf-8', label: 'CSV file', extensions: ['csv'] },
];

/** "PDF, PNG, JPEG, DOCX, XLSX, TXT or CSV": for messages. */
export const ALLOWED_TYPES_TEXT = 'PDF, PNG, JPEG, DOCX, XLSX, TXT or CSV';

/** A document as a request carries it (in its status, on cards, in the audit). */
export interface DocumentRef {
  /** `d-` and the first 16 hex digits of the SHA-256: the same content is the same document. */
  id: string;
  name: string;
  mediaType: string;
  size: number;
  /** SHA-256 of the content, hex. */
  sha256: string;
  uploadedBy: string;
  uploadedAt: string;
}

export type DocumentProblemCode =
  | 'name-missing'
  | 'name-invalid'
  | 'empty'
  | 'too-large'
  | 'type-not-allowed'
  | 'type-mismatch'
  | 'form-type'
  | 'too-many'
  | 'request-too-large';

/** A document refused: `status` is the HTTP answer (4xx), `message` says why in words. */
export class DocumentRejectedError extends TerminalError {
  readonly code = 'DOCUMENT_REJECTED';
  constructor(
    readonly problem: DocumentProblemCode,
    readonly status: 400 | 409 | 413 | 415,
    message: string,
  ) {
    super(message);
  }
}

const sizeText = (bytes: number) =>
  bytes >= MIB ? `${(bytes / MIB).toFixed(1).replace(/\.0$/, '')} MiB` : `${Math.ceil(bytes / 1024)} KiB`;

/** A name safe to show and to send in Content-Disposition: refused when it cannot be. */
export function documentName(raw: string | null | undefined): string {
  const name = (raw ?? '').normalize('NFC').trim();
  if (!name) {
    throw new DocumentRejectedError(
      'name-missing',
      400,
      'The document needs a name with its extension, such as "payslip.pdf" (the name query parameter)',
    );
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
  if (name.length > MAX_DOCUMENT_NAME || /[\\/\u0000-\u001f\u007f"<>|:*?]/.test(name) || /^\.+$/.test(name)) {
    throw new DocumentRejectedError(
      'name-invalid',
      400,
      `"${name.slice(0, 40)}" is not a usable document name: at most ${MAX_DOCUMENT_NAME} characters, without / \\ : * ? " < > | or control characters`,
    );
  }
  return name;
}

const startsWith = (bytes: Uint8Array, prefix: readonly number[]) =>
  bytes.length >= prefix.length && prefix.every((b, i) => bytes[i] === b);

const ZIP = [0x50, 0x4b, 0x03, 0x04];

/** Whether the ZIP's local file headers name a part beginning with `folder`. */
function zipHasPart(bytes: Uint8Array, folder: string): boolean {
  const want = Buffer.from(folder, 'latin1');
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = buf.indexOf(Buffer.from(ZIP)); at >= 0; at = buf.indexOf(Buffer.from(ZIP), at + 4)) {
    if (at + 30 > buf.length) break;
    const nameLength = buf.readUInt16LE(at + 26);
    const name = buf.subarray(at + 30, at + 30 + nameLength);
    if (name.subarray(0, want.length).equals(want)) return true;
  }
  return false;
}

/** Text a person wrote: valid UTF-8 with no control characters but tab, CR, LF and form feed. */
function isPlainText(bytes: Uint8Array): boolean {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return false;
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
  return !/[\u0000-\u0008\u000b\u000e-\u001f\u007f]/.test(text);
}

/** The type the content is, by its bytes; undefined for anything not allowed. */
export function sniffType(bytes: Uint8Array, extension: string): DocumentType | undefined {
  const byMedia = (m: string) => DOCUMENT_TYPES.find((t) => t.mediaType === m) as DocumentType;
  if (startsWith(bytes, [0x25, 0x50, 0x44, 0x46, 0x2d])) return byMedia('application/pdf');
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return byMedia('image/png');
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return byMedia('image/jpeg');
  if (startsWith(bytes, ZIP)) {
    if (!zipHasPart(bytes, '[Content_Types].xml')) return undefined;
    if (zipHasPart(bytes, 'word/')) return DOCUMENT_TYPES[3];
    if (zipHasPart(bytes, 'xl/')) return DOCUMENT_TYPES[4];
    return undefined;
  }
  // Text has no signature: its extension says which text it is, its bytes that it is text.
  if ((extension === 'txt' || extension === 'csv') && isPlainText(bytes)) {
    return extension === 'csv' ? byMedia('text/csv; charset=utf-8') : byMedia('text/plain; charset=utf-8');
  }
  return undefined;
}

export const extensionOf = (name: string): string => {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
};

/**
 * Checks a document against the limits and the documents the request already has; returns its
 * type, or throws {@link DocumentRejectedError} naming the problem. `size` is the content's length.
 */
export function checkDocument(
  name: string,
  bytes: Uint8Array,
  existing: ReadonlyArray<Pick<DocumentRef, 'size' | 'sha256'>>,
  sha256: string,
): DocumentType {
  if (bytes.length === 0) throw new DocumentRejectedError('empty', 400, `"${name}" is empty`);
  if (bytes.length > MAX_DOCUMENT_BYTES) {
    throw new DocumentRejectedError(
      'too-large',
      413,
      `"${name}" is ${sizeText(bytes.length)}; a document may be at most ${sizeText(MAX_DOCUMENT_BYTES)}`,
    );
  }
  const extension = extensionOf(name);
  const type = sniffType(bytes, extension);
  if (!type) {
    throw new DocumentRejectedError(
      'type-not-allowed',
      415,
      `"${name}" is not a ${ALLOWED_TYPES_TEXT} file (judged by its content)`,
    );
  }
  if (!type.extensions.includes(extension)) {
    throw new DocumentRejectedError(
      'type-mismatch',
      415,
      `"${name}" is a ${type.label} by its content; name it .${type.extensions[0]}`,
    );
  }
  // The same content again is the same document: no new limit is reached by it.
  if (existing.some((d) => d.sha256 === sha256)) return type;
  if (existing.length >= MAX_DOCUMENTS) {
    throw new DocumentRejectedError(
      'too-many',
      409,
      `The request already has ${existing.length} documents, the most it can carry`,
    );
  }
  const total = existing.reduce((sum, d) => sum + d.size, 0) + bytes.length;
  if (total > MAX_REQUEST_DOCUMENT_BYTES) {
    throw new DocumentRejectedError(
      'request-too-large',
      413,
      `With "${name}" the request's documents would be ${sizeText(total)}; together they may be at most ${sizeText(MAX_REQUEST_DOCUMENT_BYTES)}`,
    );
  }
  return type;
}

export const documentIdOf = (sha256: string): string => `d-${sha256.slice(0, 16)}`;

/** "contract.pdf (PDF, 120 KiB)" */
export function describeDocument(d: Pick<DocumentRef, 'name' | 'mediaType' | 'size'>): string {
  const label = DOCUMENT_TYPES.find((t) => t.mediaType === d.mediaType)?.label ?? d.mediaType;
  return `${d.name} (${label}, ${sizeText(d.size)})`;
}
