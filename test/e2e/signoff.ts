/**
 * Signoff end to end: the function app on the embedded host (virtual clock), its own Azurite, and
 * the Agents Playground in front of the bot. Every e2e test file starts one of these.
 *
 * Each file gets its own Azurite because the bot keeps conversation references by user: two
 * files installing "megan" against one storage account would steal each other's cards.
 */
import { type AzuriteHandle, startAzurite } from '../../host/azurite';
import { type InstanceStatus, startTestHost, type TestHost } from '../../host/testing';
import {
  type AdaptiveCard,
  type ChatMessage,
  cardText,
  findExecuteAction,
  type InvokeResult,
  messageText,
  type Playground,
  startPlayground,
} from './playground';

export interface Signoff {
  host: TestHost;
  pg: Playground;
  stop(): Promise<void>;
}

export async function startSignoff(): Promise<Signoff> {
  const azurite: AzuriteHandle = await startAzurite();
  let host: TestHost | undefined;
  try {
    host = await startTestHost({
      app: '.',
      clock: 'virtual',
      env: { AzureWebJobsStorage: azurite.connectionString },
    });
    const pg = await startPlayground({ botEndpoint: `${host.url}/api/messages` });
    const running = host;
    return {
      host: running,
      pg,
      async stop() {
        await pg.stop();
        await running.stop();
        await azurite.stop();
      },
    };
  } catch (error) {
    await host?.stop();
    await azurite.stop();
    throw error;
  }
}

const REQUEST_ID = /\b((?:loan|generic)-[a-z0-9]+)\b/;

/** The request id a card is about: its actions' `data.requestId`, else the id it shows. */
export function requestIdOf(card: AdaptiveCard): string | undefined {
  let id: string | undefined;
  const visit = (node: unknown): void => {
    if (id || !node || typeof node !== 'object') return;
    const data = (node as { data?: { requestId?: unknown } }).data;
    if (typeof data?.requestId === 'string') id = data.requestId;
    else for (const v of Object.values(node)) visit(v);
  };
  visit(card);
  return id ?? REQUEST_ID.exec(cardText(card))?.[1];
}

export function invokeCard(result: InvokeResult): AdaptiveCard {
  if (result.status !== 200 || result.type !== 'application/vnd.microsoft.card.adaptive')
    throw new Error(`expected a card as the invoke response, got ${JSON.stringify(result)}`);
  return result.value as AdaptiveCard;
}

export interface LoanRequest {
  amount: number;
  currency: string;
  purpose: string;
  termMonths: number;
}

/**
 * `user` asks for a loan by chat (`request loan ...`), gets the form filled in from the message,
 * adds the term and clicks "Send for approval". Returns the request id and the card the click
 * answered with.
 */
export async function requestLoan(
  pg: Playground,
  user: string,
  loan: LoanRequest,
): Promise<{ requestId: string; form: ChatMessage; response: AdaptiveCard | string }> {
  const sent = await pg.sendMessage(user, `request loan ${loan.amount} ${loan.currency} ${loan.purpose}`);
  const form = await pg.waitForActivity(
    user,
    (m) =>
      m.from === 'bot' &&
      m.timestamp > sent.timestamp &&
      m.cards.some((c) => findExecuteAction(c, 'submitRequest') !== undefined),
    { description: 'with the loan form' },
  );
  const result = await pg.clickAction(user, form, 'submitRequest', undefined, {
    termMonths: String(loan.termMonths),
  });
  if (result.status !== 200) throw new Error(`submitting the form failed: ${JSON.stringify(result)}`);
  const response =
    result.type === 'application/vnd.microsoft.card.adaptive'
      ? (result.value as AdaptiveCard)
      : String(result.value);
  const requestId = typeof response === 'string' ? REQUEST_ID.exec(response)?.[1] : requestIdOf(response);
  if (!requestId) throw new Error(`no request id in the answer to the form: ${JSON.stringify(response)}`);
  return { requestId, form, response };
}

/** Waits until the orchestration of `requestId` reaches one of `statuses`. */
export async function waitForInstance(
  host: TestHost,
  requestId: string,
  statuses: string[],
  until?: (s: InstanceStatus) => boolean,
): Promise<InstanceStatus> {
  return host.client.waitFor(requestId, statuses, until, 20_000);
}

/** A bot message whose cards (or text) mention `requestId`. */
export function isAbout(requestId: string): (m: ChatMessage) => boolean {
  return (m) =>
    m.from === 'bot' &&
    (messageText(m).includes(requestId) || m.cards.some((c) => requestIdOf(c) === requestId));
}
