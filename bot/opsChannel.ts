/**
 * The ops channel: the team channel or group chat named by `OPS_CHANNEL_CONVERSATION_ID` (its
 * Teams conversation id, stored when Signoff was added there), where alerts are posted as
 * proactive messages. Unset, alerts are only logged and stored.
 */
import type { CloudAdapter } from 'botbuilder';
import type { AlertChannel, AlertRecord } from '../domain/alerts';
import { RetryableError } from '../domain/errors';
import type { ConversationStore } from './conversations';

/** The ops channel cannot take the alert now (not installed there yet, or Teams refused it). */
export class OpsChannelError extends RetryableError {
  readonly code = 'OPS_CHANNEL';
}

const TITLES: Record<AlertRecord['alert'], string> = {
  'activity-failed': 'Activity failed',
  'instance-sla': 'Workflow past its SLA',
  'approval-sla': 'Approval past its SLA',
  'step-sla': 'Onboarding step past its SLA',
  'step-failed': 'Onboarding step failed',
  'approver-unreachable': 'Approver cannot be reached',
};

/** The message text: what happened, then which instance, in Teams markdown. */
export function alertText(alert: AlertRecord): string {
  return [
    `**${TITLES[alert.alert]}** (${alert.alert})`,
    alert.message,
    `Instance \`${alert.instanceId}\` · ${alert.name} · ${alert.at}`,
  ].join('\n\n');
}

export class TeamsOpsChannel implements AlertChannel {
  constructor(
    private readonly adapter: Pick<CloudAdapter, 'continueConversationAsync'>,
    private readonly botAppId: string,
    private readonly conversations: ConversationStore,
    readonly conversationId: string,
  ) {}

  async post(alert: AlertRecord): Promise<void> {
    const conversation = await this.conversations.shared(this.conversationId);
    if (!conversation) {
      throw new OpsChannelError(
        `OPS_CHANNEL_CONVERSATION_ID names "${this.conversationId}", where Signoff has not been added (add the app to that team or group chat)`,
      );
    }
    let failure: unknown;
    let sent = false;
    await this.adapter.continueConversationAsync(this.botAppId, conversation.reference, async (context) => {
      try {
        const response = await context.sendActivity({
          type: 'message',
          textFormat: 'markdown',
          text: alertText(alert),
        });
        sent = Boolean(response?.id);
      } catch (error) {
        // Caught in the turn: the adapter's onTurnError would swallow it.
        failure = error ?? new Error('unknown error');
      }
    });
    if (failure !== undefined) throw failure;
    if (!sent) throw new OpsChannelError('the channel returned no message id');
  }
}
