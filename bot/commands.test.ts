import { describe, expect, it } from 'vitest';
import { COMMAND_NAMES, COMMANDS, findCommandByKeyword } from '../domain/commands';
import { editDistance, helpText, parseCommand } from './commands';

describe('parseCommand', () => {
  it('reads each command with its typed arguments', () => {
    expect(parseCommand('help')).toEqual({ ok: true, command: { name: 'help', args: {} } });
    expect(parseCommand('request loan 2,500.50 eur new laptop for Ana')).toEqual({
      ok: true,
      command: {
        name: 'requestLoan',
        args: { amount: 2500.5, currency: 'EUR', purpose: 'new laptop for Ana' },
      },
    });
    expect(parseCommand('request Access to the finance share')).toEqual({
      ok: true,
      command: { name: 'request', args: { title: 'Access to the finance share' } },
    });
    expect(parseCommand('status #A12-x')).toEqual({
      ok: true,
      command: { name: 'status', args: { requestId: 'A12-x' } },
    });
    expect(parseCommand('my requests')).toEqual({ ok: true, command: { name: 'myRequests', args: {} } });
    expect(parseCommand('pending')).toEqual({ ok: true, command: { name: 'pending', args: {} } });
    expect(parseCommand('cancel 42')).toEqual({
      ok: true,
      command: { name: 'cancel', args: { requestId: '42' } },
    });
  });

  it('leaves the currency out when the word after the amount is not a supported currency', () => {
    // "car" must not be read as a currency code.
    expect(parseCommand('request loan 5000 car repair')).toEqual({
      ok: true,
      command: { name: 'requestLoan', args: { amount: 5000, purpose: 'car repair' } },
    });
  });

  it('ignores case, extra spaces, non-breaking spaces and a leading @mention', () => {
    const expected = { ok: true, command: { name: 'status', args: { requestId: 'R-7' } } };
    expect(parseCommand('  STATUS    R-7  ')).toEqual(expected);
    expect(parseCommand('<at>Signoff</at> Status R-7')).toEqual(expected);
    expect(parseCommand('<at>Signoff</at>&nbsp;status&nbsp;R-7')).toEqual(expected);
    expect(parseCommand('\n<AT>Signoff Bot</AT>   My   Requests\n')).toEqual({
      ok: true,
      command: { name: 'myRequests', args: {} },
    });
  });

  it('keeps the case of free text', () => {
    const result = parseCommand('REQUEST LOAN 10 USD Team Offsite in Porto');
    expect(result.ok && result.command.name === 'requestLoan' && result.command.args.purpose).toBe(
      'Team Offsite in Porto',
    );
  });

  it('reports an empty message, including one that is only a mention', () => {
    expect(parseCommand('   ')).toEqual({ ok: false, reason: 'empty' });
    expect(parseCommand('<at>Signoff</at>')).toEqual({ ok: false, reason: 'empty' });
  });

  it('suggests the closest command for a typo', () => {
    expect(parseCommand('stauts 12')).toEqual({
      ok: false,
      reason: 'unknownCommand',
      input: 'stauts 12',
      suggestion: 'status',
    });
    expect(parseCommand('hlep')).toMatchObject({ reason: 'unknownCommand', suggestion: 'help' });
    expect(parseCommand('pendng')).toMatchObject({ reason: 'unknownCommand', suggestion: 'pending' });
    expect(parseCommand('my reqests')).toMatchObject({ reason: 'unknownCommand', suggestion: 'myRequests' });
    expect(parseCommand('myrequests')).toMatchObject({ reason: 'unknownCommand', suggestion: 'myRequests' });
    expect(parseCommand('cancle 3')).toMatchObject({ reason: 'unknownCommand', suggestion: 'cancel' });
    expect(parseCommand('reqest loan 5 x')).toMatchObject({
      reason: 'unknownCommand',
      suggestion: 'requestLoan',
    });
  });

  it('suggests nothing when no command is close', () => {
    expect(parseCommand('what is the weather')).toEqual({
      ok: false,
      reason: 'unknownCommand',
      input: 'what is the weather',
      suggestion: undefined,
    });
  });

  it('names the argument that is wrong and gives the usage', () => {
    expect(parseCommand('request loan ten EUR bike')).toEqual({
      ok: false,
      reason: 'invalidArguments',
      command: 'requestLoan',
      message: 'The amount "ten" is not a number; write it like 2500, 2,500 or 2500.50',
      usage: 'request loan <amount> [currency] <purpose>',
    });
    expect(parseCommand('request loan 0 bike')).toMatchObject({
      message: 'The amount "0" must be more than zero',
    });
    expect(parseCommand('request loan 100')).toMatchObject({
      command: 'requestLoan',
      message: 'The purpose is missing',
    });
    expect(parseCommand('request loan 100 EUR')).toMatchObject({ message: 'The purpose is missing' });
    expect(parseCommand('request')).toMatchObject({ command: 'request', message: 'The title is missing' });
    expect(parseCommand('status')).toMatchObject({ command: 'status', message: 'The request id is missing' });
    expect(parseCommand('cancel 12 now')).toMatchObject({ message: '"now" is more than "cancel" takes' });
    expect(parseCommand('status a/b')).toMatchObject({
      reason: 'invalidArguments',
      command: 'status',
      message: 'The request id "a/b" is not a request id; ids look like loan-7k2m9qxd',
    });
    expect(parseCommand(`request ${'x'.repeat(501)}`)).toMatchObject({
      message: 'The title is 501 characters long; the limit is 500',
    });
    // No name from the command table (requestId, termMonths) reaches a person.
    for (const text of ['status', 'cancel', 'request loan', 'request loan x', 'request']) {
      const parsed = parseCommand(text);
      if (parsed.ok || parsed.reason !== 'invalidArguments') throw new Error(`"${text}" parsed`);
      expect(parsed.message).not.toMatch(/requestId|termMonths|^[a-z]/);
    }
  });

  it('refuses a command that is not offered in the scope the message came from', () => {
    expect(parseCommand('pending', { scope: 'team' })).toEqual({
      ok: false,
      reason: 'notAvailableHere',
      command: 'pending',
      scope: 'team',
    });
    expect(parseCommand('pending', { scope: 'personal' })).toMatchObject({ ok: true });
    expect(parseCommand('status 9', { scope: 'groupChat' })).toMatchObject({ ok: true });
  });

  it('parses every keyword in the table back to its own command', () => {
    for (const name of COMMAND_NAMES) {
      const result = parseCommand(COMMANDS[name].keyword);
      const parsedName = result.ok ? result.command.name : 'command' in result ? result.command : undefined;
      expect(parsedName, COMMANDS[name].keyword).toBe(name);
      expect(findCommandByKeyword(` ${COMMANDS[name].keyword.toUpperCase()} `)).toBe(name);
    }
    expect(findCommandByKeyword('approve all')).toBeUndefined();
  });
});

describe('editDistance', () => {
  it('counts insertions, deletions, substitutions and adjacent swaps', () => {
    expect(editDistance('status', 'status')).toBe(0);
    expect(editDistance('stauts', 'status')).toBe(1);
    expect(editDistance('statu', 'status')).toBe(1);
    expect(editDistance('statuss', 'status')).toBe(1);
    expect(editDistance('ctatus', 'status')).toBe(1);
    expect(editDistance('', 'help')).toBe(4);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });
});

describe('helpText', () => {
  it('lists only the commands offered in a scope', () => {
    expect(helpText('team')).not.toContain('pending');
    expect(helpText('personal')).toContain('pending: List the requests waiting for your decision');
    expect(helpText().split('\n')).toHaveLength(COMMAND_NAMES.length);
  });
});
