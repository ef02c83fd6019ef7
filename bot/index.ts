/**
 * Signoff's Teams bot. Importing this module (functions/index.ts does) registers the bot's
 * endpoint, `POST /api/messages`, with the function app and makes the bot the approval
 * workflow's notifier. Credentials come from the app settings (config.ts); a bad combination
 * stops the app at start-up with the setting named.
 *
 * - app.ts: the teams-ai Application and its routes
 * - chat.ts: chat commands; cardActions.ts: Action.Execute invokes; install.ts: (un)install
 * - notifier.ts: proactive cards, reminders, escalations, outcome messages
 * - opsChannel.ts: alerts posted to the ops channel (OPS_CHANNEL_CONVERSATION_ID)
 * - conversations.ts, claims.ts: what the bot keeps in Azure Tables
 * - httpShim.ts: Azure Functions HTTP ↔ the Node request/response botbuilder expects
 */
import {
  app as functions,
  type HttpRequest,
  type HttpResponseInit,
  type InvocationContext,
} from '@azure/functions';
import * as df from 'durable-functions';
import { setAlertChannel } from '../functions/alerts/record';
import { setNotifier } from '../functions/approvals/notifier';
import { createBot } from './app';
import { readBotConfig } from './config';
import { BadActivityError, ResponseRecorder, toBotRequest } from './httpShim';
import { log } from './log';
import { TeamsNotifier } from './notifier';
import { TeamsOpsChannel } from './opsChannel';
import { type ActivityRefusal, auditRefusal, refusalOf } from './trust';
import { setDurableClient } from './turn';

const config = readBotConfig();
const bot = createBot(config);
if (config.mode === 'anonymous') {
  log(
    'warn',
    'Development: bot credentials are not set (MicrosoftAppId, MicrosoftAppPassword, MicrosoftAppType, MicrosoftAppTenantId), so /api/messages accepts requests without a Bot Framework token. Outside development the app does not start without them.',
  );
} else {
  log('info', 'bot credentials loaded', { appId: config.appId, appType: config.appType });
}
setNotifier(new TeamsNotifier(bot.adapter, config.appId));
const opsChannel = process.env.OPS_CHANNEL_CONVERSATION_ID?.trim();
if (opsChannel) {
  setAlertChannel(new TeamsOpsChannel(bot.adapter, config.appId, opsChannel));
  log('info', 'alerts go to the ops channel', { conversationId: opsChannel });
}

export async function messages(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  let botRequest: Awaited<ReturnType<typeof toBotRequest>>;
  try {
    botRequest = await toBotRequest(request);
  } catch (error) {
    if (error instanceof BadActivityError)
      return { status: error.status, jsonBody: { error: error.message } };
    throw error;
  }
  const client = df.getClient(context);
  const response = new ResponseRecorder();
  let refused: ActivityRefusal | undefined;
  await bot.adapter.process(botRequest, response, async (turn) => {
    // After the adapter checked the Bot Framework token: is this Teams, and who is it?
    refused = refusalOf(turn.activity);
    if (refused) {
      await auditRefusal(turn.activity, refused);
      return;
    }
    setDurableClient(turn, client);
    await bot.app.run(turn);
  });
  const refusal = refused as ActivityRefusal | undefined;
  if (refusal) return { status: 403, jsonBody: { error: refusal.message, refusal: refusal.reason } };
  return response.toHttpResponse();
}

functions.http('messages', {
  route: 'messages',
  methods: ['POST'],
  authLevel: 'anonymous',
  extraInputs: [df.input.durableClient()],
  handler: messages,
});

export { type Bot, createBot } from './app';
export { BotConfigError, readBotConfig } from './config';
export { TeamsNotifier } from './notifier';
