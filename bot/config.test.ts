import { describe, expect, it } from 'vitest';
import { BotConfigError, readBotConfig } from './config';

const APP = '11111111-2222-3333-4444-555555555555';
const TENANT = '99999999-8888-7777-6666-555555555555';

function refusal(env: Record<string, string>): BotConfigError {
  try {
    readBotConfig(env);
  } catch (error) {
    if (error instanceof BotConfigError) return error;
    throw error;
  }
  throw new Error(`accepted ${JSON.stringify(env)}`);
}

describe('readBotConfig', () => {
  it('runs anonymously in development only when no credential is set (blank values count as unset)', () => {
    const dev = { AZURE_FUNCTIONS_ENVIRONMENT: 'Development' };
    expect(readBotConfig(dev)).toEqual({ mode: 'anonymous', appId: '' });
    expect(readBotConfig({ ...dev, MicrosoftAppId: '  ', MicrosoftAppPassword: '' })).toEqual({
      mode: 'anonymous',
      appId: '',
    });
    const elsewhere: Array<Record<string, string>> = [
      {},
      { AZURE_FUNCTIONS_ENVIRONMENT: 'Production' },
      { MicrosoftAppId: ' ' },
    ];
    for (const env of elsewhere) {
      const error = refusal(env);
      expect(error.message).toMatch(
        /^MicrosoftAppId, MicrosoftAppPassword, MicrosoftAppType, MicrosoftAppTenantId: /,
      );
      expect(error.message).toContain('only in development');
    }
  });

  it('reads MultiTenant (the default type), SingleTenant and UserAssignedMSI', () => {
    expect(readBotConfig({ MicrosoftAppId: APP, MicrosoftAppPassword: 's' })).toMatchObject({
      mode: 'authenticated',
      appId: APP,
      appType: 'MultiTenant',
      auth: { MicrosoftAppId: APP, MicrosoftAppPassword: 's', MicrosoftAppType: 'MultiTenant' },
    });
    expect(
      readBotConfig({
        MicrosoftAppId: APP,
        MicrosoftAppPassword: 's',
        MicrosoftAppType: 'singletenant',
        MicrosoftAppTenantId: TENANT,
      }),
    ).toMatchObject({ appType: 'SingleTenant', auth: { MicrosoftAppTenantId: TENANT } });
    expect(
      readBotConfig({
        MicrosoftAppId: APP,
        MicrosoftAppType: 'UserAssignedMSI',
        MicrosoftAppTenantId: TENANT,
      }),
    ).toMatchObject({ appType: 'UserAssignedMSI', auth: { MicrosoftAppPassword: undefined } });
  });

  it('names the variable to fix', () => {
    const cases: Array<[Record<string, string>, string, RegExp]> = [
      [
        { MicrosoftAppId: APP, MicrosoftAppPassword: 's', MicrosoftAppType: 'SingleTenant' },
        'MicrosoftAppTenantId',
        /required for a SingleTenant/,
      ],
      [
        { MicrosoftAppId: APP, MicrosoftAppType: 'SingleTenant', MicrosoftAppTenantId: TENANT },
        'MicrosoftAppPassword',
        /SingleTenant/,
      ],
      [{ MicrosoftAppId: APP }, 'MicrosoftAppPassword', /MultiTenant/],
      [{ MicrosoftAppPassword: 's' }, 'MicrosoftAppId', /required/],
      [
        { MicrosoftAppId: APP, MicrosoftAppPassword: 's', MicrosoftAppType: 'Other' },
        'MicrosoftAppType',
        /not one of/,
      ],
      [{ MicrosoftAppId: 'my-bot', MicrosoftAppPassword: 's' }, 'MicrosoftAppId', /GUID/],
      [
        { MicrosoftAppId: APP, MicrosoftAppType: 'UserAssignedMSI' },
        'MicrosoftAppTenantId',
        /UserAssignedMSI/,
      ],
      [
        {
          MicrosoftAppId: APP,
          MicrosoftAppPassword: 's',
          MicrosoftAppType: 'UserAssignedMSI',
          MicrosoftAppTenantId: TENANT,
        },
        'MicrosoftAppPassword',
        /must not be set/,
      ],
      [
        { MicrosoftAppId: APP, MicrosoftAppPassword: 's', MicrosoftAppTenantId: 'contoso' },
        'MicrosoftAppTenantId',
        /GUID/,
      ],
    ];
    for (const [env, variable, message] of cases) {
      const error = refusal(env);
      expect(error.variable, JSON.stringify(env)).toBe(variable);
      expect(error.code).toBe('BOT_CONFIG');
      expect(error.message).toMatch(new RegExp(`^${variable}: `));
      expect(error.message).toMatch(message);
    }
  });
});
