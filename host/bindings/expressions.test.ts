import { describe, expect, it } from 'vitest';
import { formatDateTime, jsonDate, parseTimeSpan } from './dotnet';
import { BindingError } from './errors';
import { BindingDate, BindingTemplate, TemplateError } from './expressions';
import { resolveSettings, UnresolvedSettingError } from './settings';
import { parseSchedule } from './timerSchedule';

const NOW = Date.parse('2018-02-16T17:59:55.123Z');
const bind = (text: string, data: Record<string, unknown>, quote?: (v: string) => string) =>
  BindingTemplate.parse(text).bind(() => data, { now: NOW, escape: quote });

describe('binding expressions', () => {
  it('resolves names from the trigger data without regard to case, with dot notation', () => {
    const data = { id: '42', Order: { Customer: { name: 'ada' } }, count: 3, ok: true };
    expect(bind('orders/{ID}/{order.customer.Name}-{count}-{ok}.json', data)).toBe(
      'orders/42/ada-3-True.json',
    );
  });

  it('has {rand-guid} (with a format), {DateTime} (UTC, path-safe, or formatted) and sys values', () => {
    expect(bind('{rand-guid}', {})).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(bind('{rand-guid:N}', {})).toMatch(/^[0-9a-f]{32}$/);
    expect(bind('{rand-guid}', {})).not.toBe(bind('{rand-guid}', {}));
    expect(bind('logs/{DateTime}.txt', {})).toBe('logs/2018-02-16T17-59-55Z.txt');
    expect(bind('logs/{DateTime:yyyy/MM/dd}/x', {})).toBe('logs/2018/02/16/x');
    // A DateTime in the trigger data wins over the clock.
    expect(bind('{DateTime}', { DateTime: 'given' })).toBe('given');
    const sys = { sys: { MethodName: 'f', UtcNow: new BindingDate(NOW), RandGuid: 'g' } };
    expect(bind('{sys.methodname}/{sys.utcnow:yyyyMMdd}/{sys.RandGuid}', sys)).toBe('f/20180216/g');
  });

  it('fails the invocation for a name with no value, or an object', () => {
    expect(() => bind('x/{missing}', {})).toThrow(
      new BindingError("No value for named parameter 'missing'.", false),
    );
    expect(() => bind('x/{obj}', { obj: { a: 1 } })).toThrow(/No value for named parameter 'obj'/);
  });

  it('keeps {{ and }} as braces and escapes values when asked', () => {
    expect(bind('{{literal}}', {})).toBe('{literal}');
    expect(bind("Name eq '{name}'", { name: "O'Brien" }, (v) => v.replaceAll("'", "''"))).toBe(
      "Name eq 'O''Brien'",
    );
  });

  it('refuses broken templates', () => {
    expect(() => BindingTemplate.parse('a/{b')).toThrow(TemplateError);
    expect(() => BindingTemplate.parse('a/b}')).toThrow(TemplateError);
    expect(() => BindingTemplate.parse('a/{ }')).toThrow(TemplateError);
    expect(BindingTemplate.parse('a/{id}/{rand-guid}').parameterNames).toEqual(['id']);
  });
});

describe('app settings', () => {
  it('resolves %Name% from the settings, and names one that does not resolve', () => {
    expect(resolveSettings('%Env%-orders', { Env: 'test' })).toBe('test-orders');
    expect(resolveSettings('%Storage:name%', { Storage__name: 'x' })).toBe('x');
    expect(() => resolveSettings('%Nope%', {})).toThrow(UnresolvedSettingError);
    expect(() => resolveSettings('%Nope%', {})).toThrow("'%Nope%' does not resolve to a value");
  });
});

describe('.NET formats', () => {
  it('reads TimeSpans as TimeSpan.TryParse does', () => {
    expect(parseTimeSpan('01:00:00')).toBe(3_600_000);
    expect(parseTimeSpan('00:01:00')).toBe(60_000);
    expect(parseTimeSpan('00:00:02')).toBe(2000);
    expect(parseTimeSpan('00:05')).toBe(300_000);
    expect(parseTimeSpan('1.02:03:04.5')).toBe(((26 * 60 + 3) * 60 + 4) * 1000 + 500);
    // hh of 24 or more: d:hh:mm, as .NET reads it.
    expect(parseTimeSpan('24:00:00')).toBe(24 * 86_400_000);
    expect(parseTimeSpan('2')).toBe(2 * 86_400_000);
    expect(parseTimeSpan('00:60:00')).toBeUndefined();
    expect(parseTimeSpan('soon')).toBeUndefined();
  });

  it('writes dates as Newtonsoft.Json does', () => {
    expect(jsonDate(Date.parse('2024-05-01T10:00:00Z'))).toBe('2024-05-01T10:00:00+00:00');
    expect(jsonDate(Date.parse('2024-05-01T10:00:00.120Z'))).toBe('2024-05-01T10:00:00.12+00:00');
    expect(jsonDate(Date.parse('2024-05-01T10:00:00Z'), '1234560')).toBe('2024-05-01T10:00:00.123456+00:00');
    expect(formatDateTime(NOW, "yyyy-MM-dd'T'HH:mm:ss.fff K")).toBe('2018-02-16T17:59:55.123 Z');
    expect(formatDateTime(NOW, 'dddd, MMMM d, yy h tt')).toBe('Friday, February 16, 18 5 PM');
  });
});

describe('timer schedules', () => {
  it('tells CRON from TimeSpan and monitors only schedules of a minute or more', () => {
    const now = Date.parse('2024-03-01T10:00:00Z');
    const cron = parseSchedule('0 */5 * * * *');
    expect(cron).toMatchObject({ kind: 'cron', adjustForDST: true });
    expect(cron.monitorsAt(now)).toBe(true);
    expect(parseSchedule('0 * * * * *').monitorsAt(now)).toBe(true);
    expect(parseSchedule('*/10 * * * * *').monitorsAt(now)).toBe(false);
    const span = parseSchedule('00:10:00');
    expect(span).toMatchObject({ kind: 'constant', adjustForDST: false });
    expect(span.next(now)).toBe(now + 600_000);
    expect(span.monitorsAt(now)).toBe(true);
    expect(parseSchedule('00:00:30').monitorsAt(now)).toBe(false);
    expect(() => parseSchedule('every day')).toThrow(/not recognized as a valid cron expression or timespan/);
    expect(() => parseSchedule('0 0 25 * * *')).toThrow(/\[Hour\]/);
    expect(() => parseSchedule('00:00:00')).toThrow(/zero interval/);
  });
});
