import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalSettingsError } from './errors';
import { applyLocalSettings } from './localSettings';

function appWith(settings: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'signoff-settings-'));
  fs.writeFileSync(path.join(dir, 'local.settings.json'), settings);
  return dir;
}

describe('local.settings.json, as func start reads it', () => {
  it('puts Values into the environment; values already set (and not empty) win', () => {
    const dir = appWith(`{
      // Core Tools reads comments and trailing commas
      "IsEncrypted": false,
      "Values": {
        "A": "from file", /* a block comment */
        "B": "from file",
        "C": "from file",
        "N": 5, "T": true,
        "URL": "http://x//y", "Q": "say \\"hi\\" // not a comment",
      },
      "ConnectionStrings": { "Db": "ignored" },
    }`);
    const env: NodeJS.ProcessEnv = { B: 'from env', C: '' };
    const result = applyLocalSettings(dir, env);
    expect(env).toEqual({
      A: 'from file',
      B: 'from env',
      C: 'from file',
      N: '5',
      T: 'true',
      URL: 'http://x//y',
      Q: 'say "hi" // not a comment',
    });
    expect(result.skipped).toEqual(['B']);
    expect(result.applied).toContain('C');
  });

  it('stops at what it cannot use, naming it', () => {
    expect(() => applyLocalSettings(appWith('{"IsEncrypted": true, "Values": {}}'), {})).toThrow(/encrypted/);
    expect(() => applyLocalSettings(appWith('{"Values": {"X": {"a": 1}}}'), {})).toThrow(
      /"Values.X" is an object/,
    );
    expect(() => applyLocalSettings(appWith('{"Values": '), {})).toThrow(LocalSettingsError);
  });

  it('is optional', () => {
    expect(applyLocalSettings(fs.mkdtempSync(path.join(os.tmpdir(), 'signoff-settings-')), {})).toEqual({
      file: undefined,
      applied: [],
      skipped: [],
    });
  });
});
