/**
 * POST /api/messages: the Teams bot (bot/), created here with the app's tables and registered as
 * the approval workflow's notifier and, when `OPS_CHANNEL_CONVERSATION_ID` is set, the alerts'
 * ops channel. Each request gets the approvals of its own invocation's durable client. Bot
 * credentials come from the app settings (bot/config.ts); a bad combination stops the app at
 * start-up with the setting named.
 */
import { app } from '@azure/functions';
import * as df from 'durable-functions';
import { createBot, readBotConfig } from '../../bot';
import { setAlertChannel } from '../alerts/record';
import { setNotifier } from '../approvals/notifier';
import { approvalsFor } from '../approvals/service';
import { invocationLog } from '../platform/log';
import { table } from '../storage/tables';
import { MAX_JSON_BYTES } from './body';

const config = readBotConfig();
const bot = createBot(config, { tables: table, maxActivityBytes: MAX_JSON_BYTES });
// Said once per worker, through the first invocation that it concerns: app code has no log of its
// own outside an invocation, so its lines always reach Application Insights with one.
let anonymousNoted = config.mode !== 'anonymous';
setNotifier(bot.notifier);
const opsChannel = process.env.OPS_CHANNEL_CONVERSATION_ID?.trim();
if (opsChannel) setAlertChannel(bot.opsChannel(opsChannel));

app.http('messages', {
  route: 'messages',
  methods: ['POST'],
  authLevel: 'anonymous',
  extraInputs: [df.input.durableClient()],
  handler: (request, context) => {
    const log = invocationLog(context);
    if (!anonymousNoted) {
      anonymousNoted = true;
      log.warn(
        'Development: bot credentials are not set (MicrosoftAppId, MicrosoftAppPassword, MicrosoftAppType, MicrosoftAppTenantId), so /api/messages accepts requests without a Bot Framework token. Outside development the app does not start without them.',
      );
    }
    // Document links point at this app, as the request reached it.
    return bot.handle(request, approvalsFor(df.getClient(context), new URL(request.url).origin), log);
  },
});
