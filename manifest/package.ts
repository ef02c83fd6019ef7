/**
 * `npm run package:teams`: validates and builds the Teams app package.
 *
 *   tsx manifest/package.ts [--out <dir>] [--config <file>] [--release]
 *
 * Exit code 0 with the zip's path on stdout, or 1 with every problem on stderr.
 */
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { buildAppPackage } from './app-package';
import { ENV_NAMES, RELEASE_FIELDS } from './config';
import { ManifestError } from './errors';

const USAGE = `Usage: npm run package:teams -- [--out <dir>] [--config <file>] [--release]

  --out <dir>      where to write the zip (default: appPackage/)
  --config <file>  JSON config, see manifest/config.example.json (default: manifest/config.json if present)
  --release        a package to distribute, signoff-<version>.zip: fails on local-development defaults
                   and on values left as in manifest/config.example.json. Without it the zip is
                   signoff-<version>-dev.zip, for local testing

Environment: ${Object.values(ENV_NAMES).join(', ')}, SIGNOFF_MANIFEST_CONFIG.
`;

async function main(): Promise<number> {
  let values: { out?: string; config?: string; release?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        out: { type: 'string' },
        config: { type: 'string' },
        release: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    return 1;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }

  try {
    const built = await buildAppPackage({
      outDir: values.out ?? join(__dirname, '..', 'appPackage'),
      configFile: values.config,
      release: values.release,
    });
    const defaulted = built.defaultsUsed.filter((field) => RELEASE_FIELDS.includes(field));
    if (defaulted.length > 0) {
      const names = defaulted.map((field) => ENV_NAMES[field]).join(', ');
      process.stderr.write(`warning: local-development defaults used for ${names}; not for distribution\n`);
    }
    const bot = (built.manifest.bots as { botId?: string }[] | undefined)?.[0]?.botId;
    process.stdout.write(
      `Built ${relative(process.cwd(), built.zipPath)} (app ${built.manifest.version}, id ${built.manifest.id}, bot ${bot})\n`,
    );
    return 0;
  } catch (error) {
    if (error instanceof ManifestError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
