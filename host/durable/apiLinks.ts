/**
 * The URLs the Durable HTTP API hands out: the management links of an instance and the
 * `durableClient` binding's payload, as the extension builds them.
 */

/** What the links are made of: the task hub and connection names, and the keys. */
export interface LinkContext {
  taskHub: string;
  connection: string;
  /** The system key, which the app's own durable client gets in its binding (as in Azure). */
  systemKey: string;
  /** The path segment that opens the internal endpoint the app's durable client calls (`rpcBaseUrl`). */
  rpcSecret: string;
}

export const WEBHOOK_PATH = '/runtime/webhooks/durabletask';
/**
 * The internal endpoint of the app's durable client. In Azure the extension serves it on a
 * loopback-only port; here it is the same server under a path with a secret segment
 * (`/durabletask/<secret>/`), which only the `durableClient` binding hands out.
 */
export const RPC_PATH = '/durabletask/';

export const keyQueryOf = (key: string): string => `code=${encodeURIComponent(key)}`;

/** The management links for one instance, as the extension and the JS client build them. */
export function managementUrls(
  ctx: LinkContext,
  origin: string,
  instanceId: string,
  keyQuery: string,
): Record<string, string> {
  const prefix = `${origin}${WEBHOOK_PATH}/instances/${encodeURIComponent(instanceId)}`;
  const q = `taskHub=${encodeURIComponent(ctx.taskHub)}&connection=${encodeURIComponent(ctx.connection)}${
    keyQuery ? `&${keyQuery}` : ''
  }`;
  return {
    id: instanceId,
    statusQueryGetUri: `${prefix}?${q}`,
    sendEventPostUri: `${prefix}/raiseEvent/{eventName}?${q}`,
    terminatePostUri: `${prefix}/terminate?reason={text}&${q}`,
    rewindPostUri: `${prefix}/rewind?reason={text}&${q}`,
    purgeHistoryDeleteUri: `${prefix}?${q}`,
    restartPostUri: `${prefix}/restart?${q}`,
    suspendPostUri: `${prefix}/suspend?reason={text}&${q}`,
    resumePostUri: `${prefix}/resume?reason={text}&${q}`,
  };
}

/** The `durableClient` input binding payload handed to functions. */
export function clientBindingPayload(ctx: LinkContext, origin: string): Record<string, unknown> {
  const base = `${origin}${WEBHOOK_PATH}`;
  const keyQ = keyQueryOf(ctx.systemKey);
  return {
    taskHubName: ctx.taskHub,
    creationUrls: {
      createNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?${keyQ}`,
      createAndWaitOnNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&${keyQ}`,
    },
    managementUrls: managementUrls(ctx, origin, 'INSTANCEID', keyQ),
    baseUrl: base,
    requiredQueryStringParameters: keyQ,
    rpcBaseUrl: `${origin}${RPC_PATH}${ctx.rpcSecret}/`,
  };
}
