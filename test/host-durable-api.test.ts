/**
 * The Durable HTTP API where it differs in detail between versions of the extension, matched to
 * the extension's HttpApiHandler: the continuation token header on every page of a query (empty
 * after the last), `runtimeStatus` values parsed as the enum and ignored when they do not parse,
 * and 412 for rewinding an instance that is not Failed. Checked over HTTP and through the
 * durable-functions client of an app (test/fixtures/durable-app).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHost, type TestHost } from '../host/testing';

describe('Durable HTTP API details', () => {
  let host: TestHost;
  const prefix = `api-${Date.now()}-`;
  const ids = [0, 1, 2, 3].map((i) => `${prefix}done-${i}`);
  const running = `${prefix}running`;
  const terminated = `${prefix}terminated`;
  const failed = `${prefix}failed`;

  beforeAll(async () => {
    host = await startTestHost({
      app: 'test/fixtures/durable-app',
      clock: 'virtual',
      env: { DURABLE_APP_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'durable-app-')) },
    });
    for (const id of ids) await host.client.start('catchActivity', { activity: 'echo', input: id }, id);
    await host.client.start('waitForGo', undefined, running);
    await host.client.start('waitForGo', undefined, terminated);
    await host.client.start('brokenChild', 'F', failed);
    for (const id of ids) await host.client.waitFor(id, ['Completed']);
    await host.client.waitFor(failed, ['Failed']);
    await host.client.waitFor(running, ['Running']);
    await host.client.waitFor(terminated, ['Running']);
    await host.client.operation(terminated, 'terminate');
    await host.client.waitFor(terminated, ['Terminated']);
  });
  afterAll(async () => {
    await host?.stop();
  });

  const idsOf = async (query: string) => {
    const res = await host.client.query(`instanceIdPrefix=${prefix}&${query}`);
    expect(res.status).toBe(200);
    return res.body.map((s) => s.instanceId).sort();
  };

  it('sends x-ms-continuation-token on every page of a query, empty after the last', async () => {
    const tokens: Array<string | null> = [];
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await host.client.query(`instanceIdPrefix=${prefix}&top=3`, token);
      expect(page.status).toBe(200);
      seen.push(...page.body.map((s) => s.instanceId));
      tokens.push(page.headers.get('x-ms-continuation-token'));
      token = page.headers.get('x-ms-continuation-token') || undefined;
    } while (token);
    expect(seen.sort()).toEqual([...ids, running, terminated, failed].sort());
    expect(tokens).toHaveLength(3);
    expect(tokens.slice(0, 2).every((t) => typeof t === 'string' && t.length > 0)).toBe(true);
    expect(tokens[2]).toBe('');
  });

  it('pages to the end through the durable-functions client', async () => {
    const res = await host.post<{ instanceIds: string[] }>('/api/client/statusBy', {
      runtimeStatus: ['Completed'],
    });
    expect(res.status).toBe(200);
    expect(res.body.instanceIds.filter((id) => id.startsWith(prefix)).sort()).toEqual(ids);
  });

  it('ignores runtimeStatus values that are not statuses, as the extension does', async () => {
    const everything = [...ids, running, terminated, failed].sort();
    expect(await idsOf('runtimeStatus=Sleeping')).toEqual(everything);
    expect(await idsOf('runtimeStatus=Sleeping,Running')).toEqual([running]);
    // Enum.TryParse: exact case, or the enum's number
    expect(await idsOf('runtimeStatus=completed')).toEqual(everything);
    expect(await idsOf('runtimeStatus=1')).toEqual(ids);
    expect(await idsOf('runtimeStatus=Failed&runtimeStatus=5')).toEqual([failed, terminated].sort());
    // a value that parses but names no status matches nothing
    expect(await idsOf('runtimeStatus=Unknown')).toEqual([]);
    expect(await idsOf('runtimeStatus=42')).toEqual([]);
  });

  it('answers 412 to rewinding an instance that is not Failed, whatever its status', async () => {
    for (const id of [ids[0] as string, terminated, running]) {
      const res = await host.client.operation(id, 'rewind');
      expect(res.status, id).toBe(412);
      expect(res.body).toEqual(expect.stringContaining('only Failed instances can be rewound'));
    }
    expect((await host.client.operation(`${prefix}nobody`, 'rewind')).status).toBe(404);
    expect((await host.client.operation(failed, 'rewind')).status).toBe(202);
  });

  it("gives the durable-functions client the refusal's message", async () => {
    const completed = await host.post<{ error?: string }>('/api/client/rewind', { instanceId: ids[1] });
    expect(completed.body.error).toBe(
      `Instance '${ids[1]}' is Completed; only Failed instances can be rewound`,
    );
    const unknown = await host.post<{ error?: string }>('/api/client/rewind', {
      instanceId: `${prefix}none`,
    });
    expect(unknown.body.error).toContain(`No instance with ID '${prefix}none'`);
  });
});
