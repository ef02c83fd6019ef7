/**
 * Which endpoint and which sign-in the app's tables use, for each way Azure documents of setting
 * up the `AzureWebJobsStorage` connection; and the connection-string path end to end against the
 * test run's Azurite. The identity path cannot reach Azure from here: its client is checked for
 * the endpoint and credential it would use.
 */
import { randomUUID } from 'node:crypto';
import { ClientSecretCredential, DefaultAzureCredential, ManagedIdentityCredential } from '@azure/identity';
import { describe, expect, it } from 'vitest';
import { resolveStorageConnection, StorageConfigError, tokenCredential } from './connection';
import { tableClient } from './tables';

const resolve = (env: Record<string, string>) => resolveStorageConnection(env);

describe('identity-based connection', () => {
  it('an account name means the public cloud table endpoint, signed in with DefaultAzureCredential', () => {
    const connection = resolve({ AzureWebJobsStorage__accountName: 'stsignoff01' });
    expect(connection).toEqual({
      kind: 'identity',
      tableServiceUri: 'https://stsignoff01.table.core.windows.net',
      credential: { kind: 'default' },
      from: 'AzureWebJobsStorage__accountName',
    });
    const client = tableClient('audit', connection);
    expect(client.url).toBe('https://stsignoff01.table.core.windows.net');
    expect(client.tableName).toBe('audit');
  });

  it('a table service URI wins over the account name (sovereign clouds, private endpoints)', () => {
    const connection = resolve({
      AzureWebJobsStorage__accountName: 'ignored',
      AzureWebJobsStorage__tableServiceUri: 'https://stsignoff01.table.core.chinacloudapi.cn/',
    });
    expect(connection).toMatchObject({
      tableServiceUri: 'https://stsignoff01.table.core.chinacloudapi.cn',
      from: 'AzureWebJobsStorage__tableServiceUri',
    });
  });

  it('a connection string wins over identity settings, as in the Functions host', () => {
    const connection = resolve({
      AzureWebJobsStorage: 'UseDevelopmentStorage=true',
      AzureWebJobsStorage__accountName: 'stsignoff01',
    });
    expect(connection.kind).toBe('connectionString');
    expect(connection.kind === 'connectionString' && connection.connectionString).toContain(
      'TableEndpoint=http://127.0.0.1:10002/devstoreaccount1',
    );
  });

  it('a user-assigned identity by client id or by resource id', () => {
    const byClientId = resolve({
      AzureWebJobsStorage__accountName: 'stsignoff01',
      AzureWebJobsStorage__credential: 'managedidentity',
      AzureWebJobsStorage__clientId: '11111111-2222-3333-4444-555555555555',
    });
    expect(byClientId).toMatchObject({
      credential: { kind: 'managedIdentity', clientId: '11111111-2222-3333-4444-555555555555' },
    });
    const byResourceId = resolve({
      AzureWebJobsStorage__accountName: 'stsignoff01',
      AzureWebJobsStorage__credential: 'ManagedIdentity',
      AzureWebJobsStorage__managedIdentityResourceId: '/subscriptions/x/resourceGroups/y/providers/z/id',
    });
    expect(byResourceId).toMatchObject({
      credential: { kind: 'managedIdentity', resourceId: '/subscriptions/x/resourceGroups/y/providers/z/id' },
    });
  });

  it('a service principal with tenant, client id and secret', () => {
    const connection = resolve({
      AzureWebJobsStorage__accountName: 'stsignoff01',
      AzureWebJobsStorage__tenantId: 'contoso.onmicrosoft.com',
      AzureWebJobsStorage__clientId: '11111111-2222-3333-4444-555555555555',
      AzureWebJobsStorage__clientSecret: 's3cret',
    });
    expect(connection).toMatchObject({
      credential: {
        kind: 'clientSecret',
        tenantId: 'contoso.onmicrosoft.com',
        clientId: '11111111-2222-3333-4444-555555555555',
      },
    });
  });

  it('each kind of settings gives the matching @azure/identity credential', () => {
    expect(tokenCredential({ kind: 'default' })).toBeInstanceOf(DefaultAzureCredential);
    expect(tokenCredential({ kind: 'managedIdentity', clientId: 'x' })).toBeInstanceOf(
      ManagedIdentityCredential,
    );
    expect(
      tokenCredential({
        kind: 'clientSecret',
        tenantId: 'contoso.onmicrosoft.com',
        clientId: 'x',
        clientSecret: 'y',
      }),
    ).toBeInstanceOf(ClientSecretCredential);
  });
});

describe('settings that are wrong stop the app, naming the setting', () => {
  const cases: Array<[string, Record<string, string>, RegExp]> = [
    ['nothing set', {}, /AzureWebJobsStorage is not set.*__accountName.*__tableServiceUri/],
    ['a bad account name', { AzureWebJobsStorage__accountName: 'My_Account' }, /__accountName: "My_Account"/],
    [
      'a table endpoint over plain http',
      { AzureWebJobsStorage__tableServiceUri: 'http://stsignoff01.table.core.windows.net' },
      /__tableServiceUri: .* must be an https:\/\/ URL/,
    ],
    [
      'a table endpoint that is no URL',
      { AzureWebJobsStorage__tableServiceUri: 'stsignoff01' },
      /is not a URL/,
    ],
    [
      'an unknown credential',
      { AzureWebJobsStorage__accountName: 'stsignoff01', AzureWebJobsStorage__credential: 'clientsecret' },
      /__credential: "clientsecret" is not supported/,
    ],
    [
      'a client id without managedidentity',
      { AzureWebJobsStorage__accountName: 'stsignoff01', AzureWebJobsStorage__clientId: 'x' },
      /__clientId names a user-assigned identity.*__credential=managedidentity/,
    ],
    [
      'both ways of naming a user-assigned identity',
      {
        AzureWebJobsStorage__accountName: 'stsignoff01',
        AzureWebJobsStorage__credential: 'managedidentity',
        AzureWebJobsStorage__clientId: 'x',
        AzureWebJobsStorage__managedIdentityResourceId: 'y',
      },
      /set one of them, not both/,
    ],
    [
      'a client secret without its tenant',
      {
        AzureWebJobsStorage__accountName: 'stsignoff01',
        AzureWebJobsStorage__clientId: 'x',
        AzureWebJobsStorage__clientSecret: 'y',
      },
      /AzureWebJobsStorage__tenantId: required with AzureWebJobsStorage__clientSecret/,
    ],
  ];
  it.each(cases)('%s', (_, env, message) => {
    expect(() => resolve(env)).toThrow(StorageConfigError);
    expect(() => resolve(env)).toThrow(message);
  });

  it('an emulator on this machine may be reached over http with an identity', () => {
    expect(
      resolve({ AzureWebJobsStorage__tableServiceUri: 'http://127.0.0.1:10002/devstoreaccount1' }),
    ).toMatchObject({ tableServiceUri: 'http://127.0.0.1:10002/devstoreaccount1' });
  });
});

describe('connection string path, on Azurite', () => {
  it('writes a row and reads it back', async () => {
    const connection = resolveStorageConnection(process.env);
    expect(connection.kind).toBe('connectionString');
    const client = tableClient(`conn${randomUUID().replace(/-/g, '').slice(0, 12)}`, connection);
    await client.createTable();
    try {
      await client.createEntity({ partitionKey: 'p', rowKey: 'r', value: 'written' });
      expect((await client.getEntity<{ value: string }>('p', 'r')).value).toBe('written');
    } finally {
      await client.deleteTable();
    }
  });
});
