/**
 * Documents in Teams: a file the requester sends Signoff in chat is added to their request, and
 * the document buttons of a card open a short-lived link for the one who clicked.
 *
 * A file in Teams arrives as an attachment of type `application/vnd.microsoft.teams.file.download.info`
 * with a pre-authorised `downloadUrl` on the tenant's SharePoint. Only such links are fetched, over
 * https, from SharePoint hosts (`*.sharepoint.com`, and the national clouds' `.sharepoint.us`,
 * `.sharepoint.de`, `.sharepoint.cn`) or from hosts named in `SIGNOFF_DOCUMENT_DOWNLOAD_HOSTS`
 * (comma-separated; loopback over http allowed, for tests and the Playground): the bot never
 * fetches an address a message makes up, so a message cannot make it reach inside the network.
 * At most the document limit is read (domain/documents.ts); the limits are checked again when the
 * document is added.
 *
 * Which request: an id in the message's text ("loan-7k2m9qxd"), else the
 * sender's one open request that waits for a document, else their one open request.
 */
import type { Attachment, TurnContext } from 'botbuilder';
import { DocumentRejectedError, describeDocument, MAX_DOCUMENT_BYTES } from '../domain/documents';
import { errorFields } from '../domain/log';
import { actorOf, services, userIdOf } from './turn';

export const TEAMS_FILE = 'application/vnd.microsoft.teams.file.download.info';

const SHAREPOINT = /\.sharepoint(-df)?\.(com|us|de|cn)$/i;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
const DOWNLOAD_MS = 20_000;

export interface SentFile {
  name: string;
  url: string;
}

/** The files of a message that Signoff may fetch; the others, by name, with why not. */
export function filesOf(
  attachments: Attachment[] | undefined,
  env: NodeJS.ProcessEnv = process.env,
): { files: SentFile[]; refused: string[] } {
  const extra = (env.SIGNOFF_DOCUMENT_DOWNLOAD_HOSTS ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  const files: SentFile[] = [];
  const refused: string[] = [];
  for (const a of attachments ?? []) {
    if (a.contentType !== TEAMS_FILE) continue;
    const url = (a.content as { downloadUrl?: unknown } | undefined)?.downloadUrl;
    const name = a.name ?? 'file';
    let parsed: URL | undefined;
    try {
      parsed = typeof url === 'string' ? new URL(url) : undefined;
    } catch {
      parsed = undefined;
    }
    const host = parsed?.hostname.toLowerCase() ?? '';
    const allowed =
      parsed !== undefined &&
      ((parsed.protocol === 'https:' && (SHAREPOINT.test(host) || extra.includes(host))) ||
        (parsed.protocol === 'http:' && LOOPBACK.has(host) && extra.includes(host)));
    if (allowed && parsed) files.push({ name, url: parsed.href });
    else refused.push(name);
  }
  return { files, refused };
}

/** Whether the message carries a Teams file (added as a document rather than read as a command). */
export const hasFiles = (context: TurnContext): boolean =>
  (context.activity.attachments ?? []).some((a) => a.contentType === TEAMS_FILE);

/** Reads at most the document limit and one byte more (then it is too large anyway). */
async function download(url: string): Promise<Buffer> {
  const res = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(DOWNLOAD_MS) });
  if (!res.ok || !res.body) throw new Error(`the download answered ${res.status}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    chunks.push(Buffer.from(chunk));
    size += chunk.length;
    if (size > MAX_DOCUMENT_BYTES) break;
  }
  return Buffer.concat(chunks);
}

const ID_IN_TEXT = /\b((?:loan|generic)-[a-z0-9]{4,16})\b/i;

/** The answer to a message with files: each added to the request, or why not, in a line each. */
export async function addSentFiles(context: TurnContext): Promise<string> {
  const { approvals, log } = services(context);
  const actor = actorOf(context);
  const { files, refused } = filesOf(context.activity.attachments);
  const lines: string[] = refused.map(
    (name) => `"${name}" was not added: Signoff takes files shared from Teams (OneDrive or SharePoint) only.`,
  );
  if (files.length === 0) return lines.join('\n\n') || 'Signoff found no file in that message.';

  const text = (context.activity.text ?? '').replace(/<[^>]*>/g, ' ');
  const named = ID_IN_TEXT.exec(text)?.[1];
  let status = named ? await approvals.find(named, actor) : undefined;
  if (named && !status) return `There is no request "${named}" of yours to add the file to.`;
  if (!status) {
    const page = await approvals.list('requester', userIdOf(context), { state: 'Pending', pageSize: 20 });
    const open = (await Promise.all(page.items.map((item) => approvals.find(item.id, actor)))).filter(
      (s) => s !== undefined && s.documents !== undefined,
    );
    const waiting = open.filter((s) => (s?.documentRequests ?? []).some((r) => !r.documentId));
    const pick = waiting.length === 1 ? waiting : open;
    if (pick.length !== 1) {
      return open.length === 0
        ? 'You have no open request to add a file to.'
        : 'Which request is the file for? Send it again with the request id in the message, such as "loan-7k2m9qxd".';
    }
    status = pick[0];
  }
  if (!status) return 'Signoff could not tell which request the file is for.';

  for (const file of files) {
    try {
      const bytes = await download(file.url);
      const added = await approvals.addDocument(status.id, actor, file.name, bytes);
      if (!added.ok) {
        lines.push(`"${file.name}" was not added: ${added.message}.`);
        continue;
      }
      const doc = added.document;
      lines.push(
        added.repeated
          ? `"${file.name}" is already on ${status.id} ("${status.title}").`
          : `Added ${doc ? describeDocument(doc) : file.name} to ${status.id} ("${status.title}"). Its approvers' cards show it.`,
      );
    } catch (error) {
      if (error instanceof DocumentRejectedError) {
        lines.push(`"${file.name}" was not added: ${error.message}.`);
        continue;
      }
      log.warn('a file sent in chat could not be added', { requestId: status.id, ...errorFields(error) });
      lines.push(`"${file.name}" could not be fetched from Teams just now; please send it again.`);
    }
  }
  return lines.join('\n\n');
}
