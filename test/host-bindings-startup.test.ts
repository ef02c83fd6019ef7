/**
 * What Azure refuses to index stops the embedded host at start-up, naming the function, the
 * binding and its type: a binding type the host does not implement, a `%Setting%` with no value,
 * a storage connection that is not set (and a time zone for CRON schedules, which the host reads
 * in UTC only). The fixture app (test/fixtures/bindings-app) registers one such function when
 * BINDINGS_APP_BROKEN asks it to.
 */
import { describe, expect, it } from 'vitest';
import { startTestHost } from '../host/testing';

async function startFailure(broken: string, env: Record<string, string> = {}): Promise<string> {
  try {
    const host = await startTestHost({
      app: 'test/fixtures/bindings-app',
      env: { BINDINGS_APP_BROKEN: broken, ...env },
    });
    await host.stop();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`the host started with BINDINGS_APP_BROKEN=${broken}`);
}

describe('start-up stops at a binding Azure would not index', () => {
  it('an unsupported binding type', async () => {
    const message = await startFailure('unsupported');
    expect(message).toContain('host exited with 1 before listening');
    expect(message).toMatch(
      /function 'withCosmos', binding 'cosmosDBInput\w*' \(type 'cosmosDB'\): this host does not support the binding type 'cosmosDB' as an input \(it supports httpTrigger, http, timerTrigger, queueTrigger, queue, blob, table/,
    );
  });

  it('an app setting with no value', async () => {
    expect(await startFailure('setting')).toMatch(
      /function 'unsetSetting', binding 'blobOutput\w*' \(type 'blob'\): path: '%NOT_A_SETTING%' does not resolve to a value/,
    );
  });

  it('a storage connection that is not set', async () => {
    expect(await startFailure('connection')).toMatch(
      /function 'unsetConnection', binding 'queueOutput\w*' \(type 'queue'\): the storage connection 'NoSuchConnection' is not set/,
    );
  });

  it('a time zone for CRON schedules, which this host reads in UTC only', async () => {
    expect(await startFailure('', { WEBSITE_TIME_ZONE: 'Eastern Standard Time' })).toMatch(
      /function 'everyFiveMinutes', binding '\w+' \(type 'timerTrigger'\): WEBSITE_TIME_ZONE is 'Eastern Standard Time', but this host reads CRON schedules in UTC only/,
    );
  });
});
