import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import JSZip from 'jszip';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCommand } from '../bot/commands';
import { CHAT_SCOPES, COMMANDS, commandsInScope } from '../domain/commands';
import {
  ACCENT_COLOR,
  buildAppPackage,
  bundledSchemaVersions,
  COMMAND_LIST_LIMITS,
  checkIcon,
  DEV_DEFAULTS,
  drawColorIcon,
  drawOutlineIcon,
  fillPlaceholders,
  findPlaceholders,
  ManifestConfigError,
  type ManifestIssue,
  ManifestTemplateError,
  ManifestValidationError,
  MIN_MANIFEST_VERSION,
  renderManifest,
  resolveManifestConfig,
  validateAgainstSchema,
  validateAppPackage,
} from '../manifest';

const ROOT = resolve(__dirname, '..');
const MANIFEST_DIR = join(ROOT, 'manifest');
const APP_VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string })
  .version;

/** A configuration of someone's own: no value is the example config's (a release refuses those). */
const PRODUCTION_ENV = {
  TEAMS_APP_ID: '5a0d7b3e-91c4-4f2e-8d61-0b7c2e9f4a13',
  BOT_ID: 'c3e8f1a2-6b4d-4e9a-9f07-2d5c8b1e6a74',
  DEVELOPER_NAME: 'Fabrikam IT',
  DEVELOPER_WEBSITE_URL: 'https://it.fabrikam.example/signoff',
  DEVELOPER_PRIVACY_URL: 'https://it.fabrikam.example/privacy',
  DEVELOPER_TERMS_URL: 'https://it.fabrikam.example/terms',
  VALID_DOMAINS: 'signoff.fabrikam.example, *.fabrikam.net',
};
const EXAMPLE_CONFIG = join(MANIFEST_DIR, 'config.example.json');

// biome-ignore lint/suspicious/noExplicitAny: tests reach into manifests to break one field at a time.
type Json = Record<string, any>;

const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'signoff-manifest-'));
  tempDirs.push(dir);
  return dir;
}

/** A copy of manifest/ (template and icons) that a test may break. */
function sourceCopy(): string {
  const dir = tempDir();
  for (const file of ['manifest.json', 'color.png', 'outline.png']) {
    copyFileSync(join(MANIFEST_DIR, file), join(dir, file));
  }
  return dir;
}

function build(env: Record<string, string> = {}, options: { sourceDir?: string; release?: boolean } = {}) {
  return buildAppPackage({ outDir: tempDir(), env, configFile: false, ...options });
}

/** A good package in memory, to break one thing at a time. */
function goodContents(): { manifest: Json; files: Map<string, Buffer> } {
  const template = JSON.parse(readFileSync(join(MANIFEST_DIR, 'manifest.json'), 'utf8')) as unknown;
  return {
    manifest: renderManifest(template, DEV_DEFAULTS, '1.2.3') as Json,
    files: new Map([
      ['color.png', readFileSync(join(MANIFEST_DIR, 'color.png'))],
      ['outline.png', readFileSync(join(MANIFEST_DIR, 'outline.png'))],
    ]),
  };
}

function png(width: number, height: number, rgba: readonly [number, number, number, number]): Buffer {
  const image = new PNG({ width, height });
  for (let i = 0; i < width * height; i++) image.data.set(rgba, i * 4);
  return PNG.sync.write(image);
}

function lines(issues: readonly ManifestIssue[]): string[] {
  return issues.map((issue) => `${issue.where}: ${issue.message}`);
}

async function buildError(
  promise: Promise<unknown>,
): Promise<Error & { code?: string; issues?: ManifestIssue[] }> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the build to fail');
}

describe('the app package', () => {
  it('is a zip named after the version holding exactly manifest.json, color.png and outline.png', async () => {
    const built = await build(PRODUCTION_ENV, { release: true });
    expect(built.zipPath.endsWith(`signoff-${APP_VERSION}.zip`)).toBe(true);

    const zip = await JSZip.loadAsync(readFileSync(built.zipPath));
    expect(Object.keys(zip.files).sort()).toEqual(['color.png', 'manifest.json', 'outline.png']);
    const manifest = JSON.parse(await zip.file('manifest.json')!.async('string')) as Json;
    expect(manifest).toEqual(built.manifest);
    expect(await zip.file('color.png')!.async('nodebuffer')).toEqual(
      readFileSync(join(MANIFEST_DIR, 'color.png')),
    );
    expect(await zip.file('outline.png')!.async('nodebuffer')).toEqual(
      readFileSync(join(MANIFEST_DIR, 'outline.png')),
    );
  });

  it('fills ids, version, developer and domains from the environment', async () => {
    const { manifest, defaultsUsed } = await build(PRODUCTION_ENV);
    expect(defaultsUsed).toEqual([]);
    expect(manifest).toMatchObject({
      id: PRODUCTION_ENV.TEAMS_APP_ID,
      version: APP_VERSION,
      developer: {
        name: 'Fabrikam IT',
        websiteUrl: 'https://it.fabrikam.example/signoff',
        privacyUrl: 'https://it.fabrikam.example/privacy',
        termsOfUseUrl: 'https://it.fabrikam.example/terms',
      },
      validDomains: ['signoff.fabrikam.example', '*.fabrikam.net'],
      bots: [{ botId: PRODUCTION_ENV.BOT_ID }],
    });
    expect(findPlaceholders(manifest)).toEqual([]);
  });

  it('builds offline with the documented local-development defaults when nothing is configured', async () => {
    const { manifest, defaultsUsed } = await build();
    expect(defaultsUsed).toContain('appId');
    expect(defaultsUsed).toContain('botId');
    expect(manifest.id).toBe(DEV_DEFAULTS.appId);
    expect((manifest as Json).bots[0].botId).toBe(DEV_DEFAULTS.botId);
  });

  it('reads a config file, with the environment taking precedence', async () => {
    const dir = tempDir();
    const configFile = join(dir, 'config.json');
    const example = JSON.parse(readFileSync(join(MANIFEST_DIR, 'config.example.json'), 'utf8')) as Json;
    writeFileSync(configFile, JSON.stringify(example));
    const { manifest } = await buildAppPackage({
      outDir: dir,
      configFile,
      env: { BOT_ID: '11111111-2222-4333-8444-555555555555' },
    });
    expect(manifest).toMatchObject({ id: example.appId, developer: { name: example.developerName } });
    expect((manifest as Json).bots[0].botId).toBe('11111111-2222-4333-8444-555555555555');
  });

  it('refuses local-development defaults in a release build, naming each field', async () => {
    const error = await buildError(build({}, { release: true }));
    expect(error).toBeInstanceOf(ManifestConfigError);
    for (const name of ['TEAMS_APP_ID', 'BOT_ID', 'DEVELOPER_NAME', 'DEVELOPER_PRIVACY_URL']) {
      expect(error.message).toContain(name);
    }
    await expect(build(PRODUCTION_ENV, { release: true })).resolves.toMatchObject({ defaultsUsed: [] });
  });

  it('names a development build apart from a release', async () => {
    const dev = await build(PRODUCTION_ENV);
    expect(dev.zipPath.endsWith(`signoff-${APP_VERSION}-dev.zip`)).toBe(true);
    const release = await build(PRODUCTION_ENV, { release: true });
    expect(release.zipPath.endsWith(`signoff-${APP_VERSION}.zip`)).toBe(true);
  });

  it('refuses in a release every value left as in the example config, naming the file and the field', async () => {
    const dir = tempDir();
    const configFile = join(dir, 'config.json');
    copyFileSync(EXAMPLE_CONFIG, configFile);
    const release = () => buildAppPackage({ outDir: dir, configFile, env: {}, release: true });
    const error = await buildError(release());
    expect(error).toBeInstanceOf(ManifestConfigError);
    const example = JSON.parse(readFileSync(EXAMPLE_CONFIG, 'utf8')) as Json;
    const fields = Object.keys(example).filter((k) => k !== '$comment');
    expect(fields).toHaveLength(7);
    for (const field of fields) {
      const issue = error.issues?.find((i) => i.where === `${field} (${configFile})`);
      expect(issue?.message, field).toContain('manifest/config.example.json');
    }
    expect(error.message).toContain(`appId (${configFile}): "${example.appId}" is the value of the example`);
    expect(error.message).toContain('"signoff.contoso.com" is from the example');

    // One field of one's own is not enough; each left as the example is still named.
    writeFileSync(configFile, JSON.stringify({ ...example, appId: PRODUCTION_ENV.TEAMS_APP_ID }));
    const partly = await buildError(release());
    expect(partly.issues?.map((i) => i.where.split(' ')[0])).not.toContain('appId');
    expect(partly.issues?.map((i) => i.where.split(' ')[0])).toContain('botId');
    // The same values through the environment are refused too, by their variable.
    const fromEnv = await buildError(
      build({ ...PRODUCTION_ENV, BOT_ID: example.botId as string }, { release: true }),
    );
    expect(lines(fromEnv.issues ?? [])).toEqual([
      `BOT_ID (environment): "${example.botId}" is the value of the example in ${EXAMPLE_CONFIG}; a release needs your own`,
    ]);
    // A development build takes the example as it is.
    await expect(
      buildAppPackage({ outDir: dir, configFile: EXAMPLE_CONFIG, env: {} }),
    ).resolves.toMatchObject({
      defaultsUsed: [],
    });
  });
});

describe('the manifest', () => {
  it('is valid against the bundled schema of a current version', async () => {
    const { manifest } = await build(PRODUCTION_ENV);
    expect(await validateAgainstSchema(manifest)).toEqual([]);
    expect(bundledSchemaVersions()).toContain(manifest.manifestVersion);
    const [major, minor] = String(manifest.manifestVersion).split('.').map(Number);
    const [minMajor, minMinor] = MIN_MANIFEST_VERSION.split('.').map(Number);
    expect((major ?? 0) * 1000 + (minor ?? 0)).toBeGreaterThanOrEqual(
      (minMajor ?? 0) * 1000 + (minMinor ?? 0),
    );
    expect(manifest.$schema).toContain(`/v${manifest.manifestVersion}/`);
  });

  it('declares a conversational bot in personal, team and group chat that takes no files', async () => {
    const { manifest } = await build();
    const bot = (manifest as Json).bots[0];
    expect(bot.scopes).toEqual(['personal', 'team', 'groupChat']);
    expect(bot.supportsFiles).toBe(false);
    expect(bot.isNotificationOnly).toBe(false);
    expect(manifest.accentColor).toBe(ACCENT_COLOR);
  });

  it('offers in each scope exactly the commands the bot handles there, within Teams limits', async () => {
    const { manifest } = await build();
    const lists = (manifest as Json).bots[0].commandLists as { scopes: string[]; commands: Json[] }[];
    for (const scope of CHAT_SCOPES) {
      const offered = lists.filter((list) => list.scopes.includes(scope)).flatMap((list) => list.commands);
      expect(offered.map((command) => command.title)).toEqual(
        commandsInScope(scope).map((name) => COMMANDS[name].keyword),
      );
    }
    for (const list of lists) {
      expect(list.commands.length).toBeLessThanOrEqual(COMMAND_LIST_LIMITS.commands);
      for (const command of list.commands) {
        expect(command.title.length).toBeLessThanOrEqual(COMMAND_LIST_LIMITS.title);
        expect(command.description.length).toBeLessThanOrEqual(COMMAND_LIST_LIMITS.description);
        // What Teams inserts when a user picks the command is something the parser recognises.
        const parsed = parseCommand(`<at>Signoff</at> ${command.title}`);
        expect(parsed.ok || parsed.reason === 'invalidArguments', command.title).toBe(true);
      }
    }
  });
});

describe('docs/admin.md', () => {
  it('lists every command the bot handles', () => {
    const guide = readFileSync(join(ROOT, 'docs', 'admin.md'), 'utf8');
    for (const definition of Object.values(COMMANDS)) expect(guide).toContain(`| \`${definition.usage}\``);
  });
});

describe('validation names each problem', () => {
  it('passes a good package', async () => {
    expect(await validateAppPackage(goodContents())).toEqual([]);
  });

  it('a missing field', async () => {
    const contents = goodContents();
    delete contents.manifest.developer.privacyUrl;
    expect(lines(await validateAppPackage(contents))).toEqual([
      "manifest.json /developer: must have required property 'privacyUrl'",
    ]);
  });

  it('a missing field in the template fails the build', async () => {
    const sourceDir = sourceCopy();
    const template = JSON.parse(readFileSync(join(sourceDir, 'manifest.json'), 'utf8')) as Json;
    delete template.accentColor;
    writeFileSync(join(sourceDir, 'manifest.json'), JSON.stringify(template));
    const error = await buildError(build({}, { sourceDir }));
    expect(error).toBeInstanceOf(ManifestValidationError);
    expect(error.code).toBe('MANIFEST_INVALID');
    expect(error.message).toContain("must have required property 'accentColor'");
  });

  it('a bad GUID in the manifest', async () => {
    const contents = goodContents();
    contents.manifest.id = '12345';
    contents.manifest.bots[0].botId = 'my-bot';
    const issues = await validateAppPackage(contents);
    expect(lines(issues)).toEqual([
      'manifest.json /id: "12345" is not a GUID',
      'manifest.json /bots/0/botId: "my-bot" is not a GUID',
    ]);
    expect(issues.map((issue) => issue.rule)).toEqual(['guid', 'guid']);
  });

  it('a bad GUID in the configuration, by the variable that set it', async () => {
    const error = await buildError(build({ ...PRODUCTION_ENV, BOT_ID: 'not-a-guid' }));
    expect(error).toBeInstanceOf(ManifestConfigError);
    expect(error.code).toBe('MANIFEST_CONFIG_INVALID');
    expect(lines(error.issues ?? [])).toEqual([
      'BOT_ID (environment): "not-a-guid" is not a GUID (like 2f6c1c1e-8f3a-4c1d-9b7e-1a2b3c4d5e6f)',
    ]);
  });

  it('a wrong icon size', async () => {
    const contents = goodContents();
    contents.files.set('color.png', png(64, 64, [31, 122, 92, 255]));
    expect(lines(await validateAppPackage(contents))).toEqual([
      'color.png: color icon must be 192x192 pixels, is 64x64',
    ]);

    const sourceDir = sourceCopy();
    writeFileSync(join(sourceDir, 'outline.png'), png(48, 48, [255, 255, 255, 0]));
    const error = await buildError(build({}, { sourceDir }));
    expect(error).toBeInstanceOf(ManifestValidationError);
    expect(error.message).toContain('outline.png: outline icon must be 32x32 pixels, is 48x48');
  });

  it('an outline icon that is not white on transparent', async () => {
    const contents = goodContents();
    contents.files.set('outline.png', png(32, 32, [200, 0, 0, 255]));
    expect(lines(await validateAppPackage(contents))).toEqual([
      'outline.png: outline icon must be white on transparent; 1024 pixels are not white, first (0, 0) is rgb(200, 0, 0)',
      'outline.png: outline icon must have a transparent background; no pixel is transparent',
    ]);
  });

  it('an icon file the package lacks', async () => {
    const contents = goodContents();
    contents.files.delete('outline.png');
    expect(lines(await validateAppPackage(contents))).toEqual([
      'manifest.json /icons/outline: file "outline.png" is not in the package',
    ]);
  });

  it('an unfilled placeholder', async () => {
    const contents = goodContents();
    contents.manifest.developer.name = '{{SUPPORT_TEAM}}';
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Teams Toolkit placeholder syntax, on purpose.
    contents.manifest.description.full += ' Contact ${{SUPPORT_EMAIL}}.';
    expect(lines(await validateAppPackage(contents))).toEqual([
      'manifest.json /developer/name: unfilled placeholder {{SUPPORT_TEAM}}',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Teams Toolkit placeholder syntax, on purpose.
      'manifest.json /description/full: unfilled placeholder ${{SUPPORT_EMAIL}}',
    ]);

    const sourceDir = sourceCopy();
    const template = readFileSync(join(sourceDir, 'manifest.json'), 'utf8');
    writeFileSync(join(sourceDir, 'manifest.json'), template.replace('"Signoff"', '"{{APP_SHORT_NAME}}"'));
    const error = await buildError(build({}, { sourceDir }));
    expect(error.message).toContain('manifest.json /name/short: unfilled placeholder {{APP_SHORT_NAME}}');
  });

  it('a bot command in the manifest that the bot does not handle', async () => {
    const contents = goodContents();
    contents.manifest.bots[0].commandLists[0].commands.push({
      title: 'approve all',
      description: 'Approve everything',
    });
    const issues = await validateAppPackage(contents);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({
      rule: 'command',
      where: 'manifest.json /bots/0/commandLists/0/commands/7/title',
    });
    expect(issues[0]?.message).toMatch(
      /^command "approve all" is not handled by the bot \(bot\/commands.ts has: help, /,
    );
  });

  it('a command the bot handles that the menu leaves out, or offers where the bot does not handle it', async () => {
    const contents = goodContents();
    const [personal, shared] = contents.manifest.bots[0].commandLists;
    personal.commands = personal.commands.filter((command: Json) => command.title !== 'pending');
    shared.commands.push({ title: 'my requests', description: 'List the requests you have made' });
    expect(lines(await validateAppPackage(contents))).toEqual([
      'manifest.json /bots/0/commandLists/1/commands/5/title: command "my requests" is offered in team but the bot does not handle it there',
      'manifest.json /bots/0/commandLists/1/commands/5/title: command "my requests" is offered in groupChat but the bot does not handle it there',
      'manifest.json /bots/0/commandLists: no personal command list offers "pending", which the bot handles there',
    ]);
  });

  it('a command list over the Teams limits', async () => {
    const contents = goodContents();
    const list = contents.manifest.bots[0].commandLists[0];
    list.commands.push(
      ...['a', 'b', 'c', 'd'].map((title) => ({ title: `status${title}`, description: 'x' })),
    );
    list.commands[0].description = 'x'.repeat(129);
    const messages = lines(await validateAppPackage(contents));
    expect(messages).toContain(
      'manifest.json /bots/0/commandLists/0/commands: has 11 commands; Teams shows at most 10',
    );
    expect(messages).toContain(
      'manifest.json /bots/0/commandLists/0/commands/0/description: is longer than 128 characters',
    );
  });

  it('lists every problem at once', async () => {
    const contents = goodContents();
    contents.manifest.id = 'abc';
    contents.manifest.version = '1.0.0-beta.1';
    contents.manifest.developer.name = '{{DEV}}';
    contents.manifest.validDomains = ['https://signoff.contoso.com/'];
    contents.manifest.bots[0].commandLists[1].commands[0].title = 'hlep';
    contents.manifest.colour = 'green';
    contents.files.set('color.png', png(100, 100, [0, 0, 0, 255]));
    const issues = await validateAppPackage(contents);
    expect(new Set(issues.map((issue) => issue.rule))).toEqual(
      new Set(['schema', 'guid', 'version', 'placeholder', 'domain', 'icon', 'command']),
    );
    expect(lines(issues)).toContain('manifest.json /: must NOT have additional properties ("colour")');
  });

  it('an unreadable template', async () => {
    const sourceDir = sourceCopy();
    writeFileSync(join(sourceDir, 'manifest.json'), '{ "id": ');
    const error = await buildError(build({}, { sourceDir }));
    expect(error).toBeInstanceOf(ManifestTemplateError);
    expect(error.code).toBe('MANIFEST_TEMPLATE_UNREADABLE');
    expect(error.message).toContain('manifest.json: is not valid JSON');
  });
});

describe('configuration', () => {
  it('names misspelt and invalid fields of a config file', () => {
    const file = {
      path: 'manifest/config.json',
      contents: { appID: 'x', developerName: 'A name that is far too long for Teams', validDomains: 'a.com' },
    };
    let error: unknown;
    try {
      resolveManifestConfig({ env: {}, file });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ManifestConfigError);
    expect(lines((error as ManifestConfigError).issues)).toEqual([
      'appID (manifest/config.json): is not a known field (appId, botId, developerName, developerWebsiteUrl, developerPrivacyUrl, developerTermsOfUseUrl, validDomains)',
      'developerName (manifest/config.json): is 37 characters long; Teams allows 32',
      'validDomains (manifest/config.json): must be a list of host names',
    ]);
  });

  it('treats a variable that is set but empty as a mistake, not as "use the default"', () => {
    expect(() => resolveManifestConfig({ env: { TEAMS_APP_ID: ' ' } })).toThrow(
      'TEAMS_APP_ID (environment): is set but empty',
    );
  });
});

describe('placeholders', () => {
  it('fill a whole value with a list and text inside a string', () => {
    expect(
      fillPlaceholders(
        { a: '{{LIST}}', b: 'v{{VERSION}} of {{NAME}}', c: ['{{UNKNOWN}}', 3] },
        {
          LIST: ['x', 'y'],
          VERSION: '1.0.0',
          NAME: 'Signoff',
        },
      ),
    ).toEqual({ a: ['x', 'y'], b: 'v1.0.0 of Signoff', c: ['{{UNKNOWN}}', 3] });
  });
});

describe('the icons', () => {
  const color = PNG.sync.read(readFileSync(join(MANIFEST_DIR, 'color.png')));
  const outline = PNG.sync.read(readFileSync(join(MANIFEST_DIR, 'outline.png')));
  const alpha = (image: PNG, x: number, y: number) => image.data[(y * image.width + x) * 4 + 3];

  it('colour icon: 192x192, a rounded tile whose corners are transparent and centre opaque', () => {
    expect([color.width, color.height]).toEqual([192, 192]);
    expect(alpha(color, 0, 0)).toBe(0);
    expect(alpha(color, 191, 191)).toBe(0);
    expect(alpha(color, 96, 20)).toBe(255);
    expect(alpha(color, 96, 96)).toBe(255);
    expect(checkIcon('color', 'color.png', readFileSync(join(MANIFEST_DIR, 'color.png')))).toEqual([]);
  });

  it('outline icon: 32x32, only white pixels at any opacity or fully transparent ones', () => {
    expect([outline.width, outline.height]).toEqual([32, 32]);
    let transparent = 0;
    let opaque = 0;
    for (let i = 0; i < 32 * 32; i++) {
      const [r, g, b, a] = outline.data.subarray(i * 4, i * 4 + 4);
      if (a === 0) transparent++;
      else expect([r, g, b]).toEqual([255, 255, 255]);
      if (a === 255) opaque++;
    }
    expect(transparent).toBeGreaterThan(0);
    expect(opaque).toBeGreaterThan(0);
    expect(checkIcon('outline', 'outline.png', readFileSync(join(MANIFEST_DIR, 'outline.png')))).toEqual([]);
  });

  it('are what manifest/generate-icons.ts draws', () => {
    expect(Buffer.from(drawColorIcon().data).equals(color.data)).toBe(true);
    expect(Buffer.from(drawOutlineIcon().data).equals(outline.data)).toBe(true);
  });

  it('a file that is not a PNG is reported', () => {
    expect(checkIcon('color', 'color.png', Buffer.from('GIF89a'))[0]?.message).toMatch(
      /^color icon is not a readable PNG/,
    );
  });
});

describe('npm run package:teams', () => {
  const run = (args: string[], env: Record<string, string>) =>
    spawnSync(process.execPath, ['--import', 'tsx', join(MANIFEST_DIR, 'package.ts'), ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      // The example config keeps the run independent of any local manifest/config.json.
      env: {
        PATH: process.env.PATH ?? '',
        SIGNOFF_MANIFEST_CONFIG: join(MANIFEST_DIR, 'config.example.json'),
        ...env,
      },
    });

  it('writes the zip and says where: a development zip, or with --release the release zip', () => {
    const out = tempDir();
    const result = run(['--out', out], PRODUCTION_ENV);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`signoff-${APP_VERSION}-dev.zip`);
    expect(existsSync(join(out, `signoff-${APP_VERSION}-dev.zip`))).toBe(true);
    expect(existsSync(join(out, `signoff-${APP_VERSION}.zip`))).toBe(false);
    const release = run(['--out', out, '--release'], PRODUCTION_ENV);
    expect(release.stderr).toBe('');
    expect(release.stdout).toContain(`signoff-${APP_VERSION}.zip`);
    expect(existsSync(join(out, `signoff-${APP_VERSION}.zip`))).toBe(true);
  });

  it('--release with the example config copied unchanged fails, naming the file and each field', () => {
    const out = tempDir();
    const result = run(['--out', out, '--release'], {});
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Teams app configuration has 7 errors:');
    expect(result.stderr).toMatch(
      /- appId \(.*config\.example\.json\): "[0-9a-f-]+" is the value of the example/,
    );
    expect(result.stderr).toContain('developerTermsOfUseUrl (');
    expect(existsSync(join(out, `signoff-${APP_VERSION}.zip`))).toBe(false);
  });

  it('exits non-zero with every error listed and writes nothing', () => {
    const out = tempDir();
    const result = run(['--out', out], {
      ...PRODUCTION_ENV,
      BOT_ID: 'nope',
      DEVELOPER_PRIVACY_URL: 'http://x',
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Teams app configuration has 2 errors:');
    expect(result.stderr).toContain('- BOT_ID (environment): "nope" is not a GUID');
    expect(result.stderr).toContain(
      '- DEVELOPER_PRIVACY_URL (environment): "http://x" must start with https://',
    );
    expect(existsSync(join(out, `signoff-${APP_VERSION}-dev.zip`))).toBe(false);
  });
});
