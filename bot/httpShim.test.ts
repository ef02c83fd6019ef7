import { HttpRequest } from '@azure/functions';
import { CloudAdapter, ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import { describe, expect, it } from 'vitest';
import { BadActivityError, ResponseRecorder, toBotRequest } from './httpShim';
import { cardResponse, sendInvokeResponse } from './invokeResponse';

const activity = {
  type: 'invoke',
  name: 'adaptiveCard/action',
  id: 'invoke-1',
  channelId: 'msteams',
  serviceUrl: 'http://127.0.0.1:9/',
  from: { id: '29:u', aadObjectId: 'u' },
  recipient: { id: '28:bot' },
  conversation: { id: 'a:1', conversationType: 'personal' },
  value: { action: { type: 'Action.Execute', verb: 'refresh', data: {} } },
};

function httpRequest(
  body: string,
  headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' },
): HttpRequest {
  return new HttpRequest({
    method: 'POST',
    url: 'http://localhost/api/messages',
    body: { string: body },
    headers,
  });
}

describe('toBotRequest', () => {
  it('gives botbuilder the parsed activity, the method and lower-case headers', async () => {
    const req = await toBotRequest(
      httpRequest(JSON.stringify(activity), {
        Authorization: 'Bearer abc',
        'Content-Type': 'application/json',
      }),
    );
    expect(req.method).toBe('POST');
    expect(req.body).toEqual(activity);
    expect(req.headers.authorization).toBe('Bearer abc');
    expect(req.headers['content-type']).toBe('application/json');
  });

  it('refuses a body that is not application/json with 415', async () => {
    const form = toBotRequest(
      httpRequest('type=message', { 'content-type': 'application/x-www-form-urlencoded' }),
    );
    await expect(form).rejects.toMatchObject({ status: 415 });
    await expect(toBotRequest(httpRequest(JSON.stringify(activity), {}))).rejects.toMatchObject({
      status: 415,
    });
  });

  it('refuses a body that is not a JSON object, naming the problem', async () => {
    await expect(toBotRequest(httpRequest('not json'))).rejects.toThrow(BadActivityError);
    await expect(toBotRequest(httpRequest('[1,2]'))).rejects.toThrow(/must be a JSON object/);
    await expect(toBotRequest(httpRequest(''))).rejects.toThrow(/not valid JSON/);
  });

  it('refuses an activity without the fields the bot needs to answer, naming the field', async () => {
    await expect(toBotRequest(httpRequest('{}'))).rejects.toThrow('activity.type: is required');
    const noConversation = { ...activity, conversation: {} };
    await expect(toBotRequest(httpRequest(JSON.stringify(noConversation)))).rejects.toThrow(
      'activity.conversation.id: is required',
    );
    const noService = { ...activity, serviceUrl: '' };
    await expect(toBotRequest(httpRequest(JSON.stringify(noService)))).rejects.toThrow(BadActivityError);
  });
});

describe('ResponseRecorder', () => {
  it('turns status, headers and an object body into an HttpResponseInit with jsonBody', () => {
    const res = new ResponseRecorder().status(200).header('User-Agent', 'x').send({ a: 1 }).end();
    expect(res.toHttpResponse()).toEqual({ status: 200, headers: { 'User-Agent': 'x' }, jsonBody: { a: 1 } });
  });

  it('keeps a text body as text and answers an empty body without one', () => {
    expect(new ResponseRecorder().status(401).send('Unauthorized').end().toHttpResponse()).toEqual({
      status: 401,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body: 'Unauthorized',
    });
    expect(new ResponseRecorder().status(202).end().toHttpResponse()).toEqual({ status: 202, headers: {} });
  });
});

describe('CloudAdapter through the shim', () => {
  const anonymous = () => new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));

  it('returns the invoke response a handler gave as the HTTP answer', async () => {
    const res = new ResponseRecorder();
    const card = { type: 'AdaptiveCard', version: '1.5', body: [] } as never;
    await anonymous().process(
      await toBotRequest(httpRequest(JSON.stringify(activity))),
      res,
      async (context) => {
        await sendInvokeResponse(context, cardResponse(card));
      },
    );
    expect(res.finished).toBe(true);
    expect(res.toHttpResponse()).toMatchObject({
      status: 200,
      jsonBody: { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: card },
    });
  });

  it('answers 501 to an invoke nobody answered', async () => {
    const res = new ResponseRecorder();
    await anonymous().process(await toBotRequest(httpRequest(JSON.stringify(activity))), res, async () => {});
    expect(res.toHttpResponse().status).toBe(501);
  });

  it('answers 401 to a request without a token when credentials are configured', async () => {
    const adapter = new CloudAdapter(
      new ConfigurationBotFrameworkAuthentication({
        MicrosoftAppId: '11111111-2222-3333-4444-555555555555',
        MicrosoftAppPassword: 'not-a-real-secret',
        MicrosoftAppType: 'MultiTenant',
      }),
    );
    let ran = false;
    const res = new ResponseRecorder();
    await adapter.process(await toBotRequest(httpRequest(JSON.stringify(activity))), res, async () => {
      ran = true;
    });
    expect(res.toHttpResponse().status).toBe(401);
    expect(ran).toBe(false);
  });
});
