/**
 * The Teams bot: a teams-ai `Application` on botbuilder's `CloudAdapter` (teams-ai's
 * `TeamsAdapter` subclass), with its routes: card actions (invokes first, as Teams gives them a
 * few seconds only), install and uninstall, chat messages. `handle` answers one HTTP request of
 * `/api/messages`, with the services of the invocation that carries it.
 */

import type { HttpRequest, HttpResponseInit } from '@azure/functions';
// The two modules the bot uses, not the package's index, which also loads teams-ai's AI half
// (OpenAI client, tokenizers, planners: 192 modules more, about 250 ms at every worker start).
import { Application } from '@microsoft/teams-ai/lib/Application';
import { TeamsAdapter } from '@microsoft/teams-ai/lib/TeamsAdapter';
import {
  type ConfigurationBotFrameworkAuthenticationOptions,
  MessageFactory,
  StatusCodes,
  type TurnContext,
} from 'botbuilder';
import { AuthenticationError } from 'botframework-connector';
import { cardAttachment, errorCard } from '../cards';
import { errorFields, type Log } from '../domain/log';
import { isCardAction, onCardAction } from './cardActions';
import { onMessage } from './chat';
import { ActionClaims } from './claims';
import type { BotConfig } from './config';
import { ConversationStore } from './conversations';
import { BadActivityError, ResponseRecorder, toBotRequest } from './httpShim';
import { onConversationUpdate, onInstallationUpdate } from './install';
import { cardResponse, sendInvokeResponse } from './invokeResponse';
import { TeamsNotifier } from './notifier';
import { TeamsOpsChannel } from './opsChannel';
import type { ApprovalsPort, TableSource } from './ports';
import { type ActivityRefusal, auditRefusal, refusalOf } from './trust';
import { services, setServices } from './turn';

export interface BotDependencies {
  /** The app's tables (conversations, action claims, posted cards, access audit). */
  tables: TableSource;
  /** The largest activity read (413 beyond); the app's `SIGNOFF_MAX_JSON_BYTES`, 1 MiB by default. */
  maxActivityBytes?: number;
}

export interface Bot {
  readonly app: Application;
  readonly adapter: TeamsAdapter;
  readonly config: BotConfig;
  /** The approval workflow's notifier: cards to approvers, updates, outcomes. */
  readonly notifier: TeamsNotifier;
  /** The ops channel for alerts, by its Teams conversation id. */
  opsChannel(conversationId: string): TeamsOpsChannel;
  /** Answers one POST to `/api/messages`. */
  handle(request: HttpRequest, approvals: ApprovalsPort, log: Log): Promise<HttpResponseInit>;
}

/**
 * teams-ai's adapter, with one correction: botbuilder lets a token that fails verification (a bad
 * signature, a malformed JWT) escape as a plain error, which CloudAdapter answers with 500 and
 * the library's message. Every failure to authenticate is a 401 here.
 */
class SignoffAdapter extends TeamsAdapter {
  constructor(auth: ConfigurationBotFrameworkAuthenticationOptions) {
    super(auth);
    const authentication = this.botFrameworkAuthentication;
    const authenticate = authentication.authenticateRequest.bind(authentication);
    authentication.authenticateRequest = async (activity, authHeader) => {
      try {
        return await authenticate(activity, authHeader);
      } catch (error) {
        if (error instanceof AuthenticationError) throw error;
        throw new AuthenticationError(
          'Unauthorized: the Bot Framework token does not verify',
          StatusCodes.UNAUTHORIZED,
        );
      }
    };
  }
}

export function createBot(config: BotConfig, deps: BotDependencies): Bot {
  const adapter = new SignoffAdapter(config.mode === 'authenticated' ? config.auth : {});
  const app = new Application({
    adapter,
    botAppId: config.appId,
    // Handlers answer in well under a second; a typing timer would only add connector calls.
    startTypingTimer: false,
    removeRecipientMention: true,
    longRunningMessages: false,
  });
  app.addRoute(isCardAction, onCardAction, true);
  app.activity('installationUpdate', onInstallationUpdate);
  app.activity('conversationUpdate', onConversationUpdate);
  app.activity('message', onMessage);
  app.error(onTurnError);

  const conversations = new ConversationStore(deps.tables);
  const claims = new ActionClaims(deps.tables);
  const notifier = new TeamsNotifier(adapter, config.appId, conversations, deps.tables);

  async function handle(request: HttpRequest, approvals: ApprovalsPort, log: Log): Promise<HttpResponseInit> {
    let botRequest: Awaited<ReturnType<typeof toBotRequest>>;
    try {
      botRequest = await toBotRequest(request, deps.maxActivityBytes);
    } catch (error) {
      if (error instanceof BadActivityError)
        return { status: error.status, jsonBody: { error: error.message } };
      throw error;
    }
    const response = new ResponseRecorder();
    let refused: ActivityRefusal | undefined;
    await adapter.process(botRequest, response, async (turn) => {
      // After the adapter checked the Bot Framework token: is this Teams, and who is it?
      refused = refusalOf(turn.activity);
      if (refused) {
        await auditRefusal(deps.tables, log, turn.activity, refused);
        return;
      }
      setServices(turn, { approvals, conversations, claims, notifier, log });
      await app.run(turn);
    });
    const refusal = refused as ActivityRefusal | undefined;
    if (refusal) return { status: 403, jsonBody: { error: refusal.message, refusal: refusal.reason } };
    return response.toHttpResponse();
  }

  return {
    app,
    adapter,
    config,
    notifier,
    opsChannel: (conversationId) => new TeamsOpsChannel(adapter, config.appId, conversations, conversationId),
    handle,
  };
}

/** Last resort for an error a handler did not turn into an answer: log it, and answer something. */
async function onTurnError(context: TurnContext, error: Error): Promise<void> {
  const a = context.activity;
  const { log } = services(context);
  log.error('bot turn failed', {
    type: a.type,
    name: a.name,
    conversationId: a.conversation?.id,
    ...errorFields(error),
  });
  const failed = errorCard('Signoff could not handle that just now. Please try again in a moment.');
  try {
    if (a.type === 'invoke' && !context.responded) await sendInvokeResponse(context, cardResponse(failed));
    else if (a.type === 'message')
      await context.sendActivity(MessageFactory.attachment(cardAttachment(failed)));
  } catch (sendError) {
    log.error('could not tell the user about the failure', errorFields(sendError));
  }
}
