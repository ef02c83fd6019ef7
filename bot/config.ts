/**
 * The bot's Bot Framework credentials, read from the app settings Azure Bot Service documents:
 * `MicrosoftAppId`, `MicrosoftAppPassword`, `MicrosoftAppType` (MultiTenant | SingleTenant |
 * UserAssignedMSI) and `MicrosoftAppTenantId`. With none of them set the bot runs anonymously,
 * accepting requests without a Bot Framework token, but only in development
 * (`AZURE_FUNCTIONS_ENVIRONMENT=Development`, which `func start` and `signoff-host start --dev`
 * set: local runs, Agents Playground); anywhere else the app refuses to start and names the
 * settings. Anything in between is a configuration mistake and is refused with the variable named.
 */
import type { ConfigurationBotFrameworkAuthenticationOptions } from 'botbuilder';
import { TerminalError } from '../domain/errors';

export const APP_TYPES = ['MultiTenant', 'SingleTenant', 'UserAssignedMSI'] as const;
export type AppType = (typeof APP_TYPES)[number];

export type BotConfig =
  | { readonly mode: 'anonymous'; readonly appId: '' }
  | {
      readonly mode: 'authenticated';
      readonly appId: string;
      readonly appType: AppType;
      readonly tenantId?: string;
      readonly auth: ConfigurationBotFrameworkAuthenticationOptions;
    };

/** A bot setting is missing, malformed or contradicts another; `variable` names the setting to fix. */
export class BotConfigError extends TerminalError {
  readonly code = 'BOT_CONFIG';
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
  }
}

const VARIABLES = [
  'MicrosoftAppId',
  'MicrosoftAppPassword',
  'MicrosoftAppType',
  'MicrosoftAppTenantId',
] as const;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function readBotConfig(env: NodeJS.ProcessEnv = process.env): BotConfig {
  const value = (name: (typeof VARIABLES)[number]) => env[name]?.trim() || undefined;
  const appId = value('MicrosoftAppId');
  const password = value('MicrosoftAppPassword');
  const rawType = value('MicrosoftAppType');
  const tenantId = value('MicrosoftAppTenantId');
  if (!appId && !password && !rawType && !tenantId) {
    if (env.AZURE_FUNCTIONS_ENVIRONMENT?.trim().toLowerCase() === 'development') {
      return { mode: 'anonymous', appId: '' };
    }
    throw new BotConfigError(
      VARIABLES.join(', '),
      'are not set, and the bot accepts unauthenticated requests only in development ' +
        '(AZURE_FUNCTIONS_ENVIRONMENT=Development, as `signoff-host start --dev` sets it). ' +
        "Set them to the Azure Bot's app registration or managed identity",
    );
  }

  const appType = APP_TYPES.find((t) => t.toLowerCase() === (rawType ?? 'MultiTenant').toLowerCase());
  if (!appType) {
    throw new BotConfigError('MicrosoftAppType', `"${rawType}" is not one of ${APP_TYPES.join(', ')}`);
  }
  if (!appId) {
    throw new BotConfigError(
      'MicrosoftAppId',
      `is required when any other bot credential is set (MicrosoftAppType ${appType})`,
    );
  }
  if (!GUID.test(appId))
    throw new BotConfigError('MicrosoftAppId', "must be the bot's Entra ID application (client) id, a GUID");
  if (tenantId && !GUID.test(tenantId))
    throw new BotConfigError('MicrosoftAppTenantId', 'must be a tenant id (a GUID)');
  switch (appType) {
    case 'MultiTenant':
      if (!password) throw new BotConfigError('MicrosoftAppPassword', 'is required for a MultiTenant bot');
      break;
    case 'SingleTenant':
      if (!password) throw new BotConfigError('MicrosoftAppPassword', 'is required for a SingleTenant bot');
      if (!tenantId) throw new BotConfigError('MicrosoftAppTenantId', 'is required for a SingleTenant bot');
      break;
    case 'UserAssignedMSI':
      if (password) {
        throw new BotConfigError(
          'MicrosoftAppPassword',
          'must not be set for a UserAssignedMSI bot (the managed identity signs in)',
        );
      }
      if (!tenantId)
        throw new BotConfigError('MicrosoftAppTenantId', 'is required for a UserAssignedMSI bot');
      break;
  }
  // Where the channel's tokens come from, for clouds other than the public one (botbuilder's own
  // setting names); tests point them at an OpenID issuer on loopback.
  const channelIssuer = {
    ToBotFromChannelOpenIdMetadataUrl: env.ToBotFromChannelOpenIdMetadataUrl?.trim() || undefined,
    ToBotFromChannelTokenIssuer: env.ToBotFromChannelTokenIssuer?.trim() || undefined,
  };
  if (
    Boolean(channelIssuer.ToBotFromChannelOpenIdMetadataUrl) !==
    Boolean(channelIssuer.ToBotFromChannelTokenIssuer)
  ) {
    throw new BotConfigError(
      channelIssuer.ToBotFromChannelTokenIssuer
        ? 'ToBotFromChannelOpenIdMetadataUrl'
        : 'ToBotFromChannelTokenIssuer',
      'must be set together with the other ToBotFromChannel setting',
    );
  }
  return {
    mode: 'authenticated',
    appId,
    appType,
    tenantId,
    auth: {
      MicrosoftAppId: appId,
      MicrosoftAppPassword: password,
      MicrosoftAppType: appType,
      MicrosoftAppTenantId: appType === 'MultiTenant' ? undefined : tenantId,
      ...(channelIssuer.ToBotFromChannelOpenIdMetadataUrl ? channelIssuer : {}),
    },
  };
}
