/**
 * The Teams bot: a teams-ai `Application` on botbuilder's `CloudAdapter` (teams-ai's
 * `TeamsAdapter` subclass), with its routes: card actions (invokes first, as Teams gives them a
 * few seconds only), install and uninstall, chat messages.
 */

import { Application, TeamsAdapter } from '@microsoft/teams-ai';
import {
  type ConfigurationBotFrameworkAuthenticationOptions,
  MessageFactory,
  StatusCodes,
  type TurnContext,
} from 'botbuilder';
import { AuthenticationError } from 'botframework-connector';
import { cardAttachment, errorCard } from '../cards';
import { isCardAction, onCardAction } from './cardActions';
import { onMessage } from './chat';
import type { BotConfig } from './config';
import { onConversationUpdate, onInstallationUpdate } from './install';
import { cardResponse, sendInvokeResponse } from './invokeResponse';
import { errorFields, log } from './log';

export interface Bot {
  readonly app: Application;
  readonly adapter: TeamsAdapter;
  readonly config: BotConfig;
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
        log('warn', 'Bot Framework token refused', errorFields(error));
        throw new AuthenticationError(
          'Unauthorized: the Bot Framework token does not verify',
          StatusCodes.UNAUTHORIZED,
        );
      }
    };
  }
}

export function createBot(config: BotConfig): Bot {
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
  return { app, adapter, config };
}

/** Last resort for an error a handler did not turn into an answer: log it, and answer something. */
async function onTurnError(context: TurnContext, error: Error): Promise<void> {
  const a = context.activity;
  log('error', 'bot turn failed', {
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
    log('error', 'could not tell the user about the failure', errorFields(sendError));
  }
}
