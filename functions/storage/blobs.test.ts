/**
 * Where the app's documents go: the blob endpoint for each way of setting up the
 * `AzureWebJobsStorage` connection, the same settings as the tables (connection.ts). The identity
 * paths cannot reach Azure from here: the client is checked for the endpoint it would use.
 */
import { describe, expect, it } from 'vitest';
import { blobService } from './blobs';
import { StorageConfigError } from './connection';

/** The endpoint a client for these settings would call (the SDK may add a trailing slash). */
const endpoint = (env: Record<string, string>) => blobService(env).url.replace(/\/$/, '');

describe('blob endpoint', () => {
  it('Azurite by UseDevelopmentStorage=true, and any connection string by its BlobEndpoint', () => {
    expect(endpoint({ AzureWebJobsStorage: 'UseDevelopmentStorage=true' })).toBe(
      'http://127.0.0.1:10000/devstoreaccount1',
    );
    const string =
      'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:41000/devstoreaccount1;TableEndpoint=http://127.0.0.1:41002/devstoreaccount1;';
    expect(endpoint({ AzureWebJobsStorage: string })).toBe('http://127.0.0.1:41000/devstoreaccount1');
  });

  it('an identity: __blobServiceUri, else the account name, else the table endpoint read as blob', () => {
    expect(
      endpoint({
        AzureWebJobsStorage__accountName: 'stsignoff01',
        AzureWebJobsStorage__blobServiceUri: 'https://stsignoff01.privatelink.blob.core.windows.net/',
      }),
    ).toBe('https://stsignoff01.privatelink.blob.core.windows.net');
    expect(endpoint({ AzureWebJobsStorage__accountName: 'stsignoff01' })).toBe(
      'https://stsignoff01.blob.core.windows.net',
    );
    expect(
      endpoint({
        AzureWebJobsStorage__tableServiceUri: 'https://stsignoff01.table.core.usgovcloudapi.net',
      }),
    ).toBe('https://stsignoff01.blob.core.usgovcloudapi.net');
  });

  it('a blob endpoint in clear text (off this machine) or not a URL stops the app, naming the setting', () => {
    const base = { AzureWebJobsStorage__accountName: 'stsignoff01' };
    expect(() => endpoint({ ...base, AzureWebJobsStorage__blobServiceUri: 'http://blob.example' })).toThrow(
      StorageConfigError,
    );
    expect(() => endpoint({ ...base, AzureWebJobsStorage__blobServiceUri: 'not a url' })).toThrow(
      /AzureWebJobsStorage__blobServiceUri/,
    );
  });
});
