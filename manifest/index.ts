/**
 * The Teams app package: the manifest template (`manifest.json`, with `{{NAME}}` placeholders),
 * the icons, and the build that fills, checks and zips them.
 *
 * A build reads configuration (environment, then a config file, then local-development
 * defaults), fills the template, derives the bot's command menu from `domain/commands.ts`, and
 * validates the result offline against the JSON schema bundled in `@microsoft/app-manifest` and
 * against the rules the schema cannot express (icon sizes and colours, GUIDs, leftover
 * placeholders, commands the bot does not handle). Any problem fails the build with the full list.
 *
 * `package.ts` is the command line (`npm run package:teams`); `generate-icons.ts` redraws the icons.
 */

export { type BuildOptions, type BuiltPackage, buildAppPackage, renderManifest } from './app-package';
export {
  COMMAND_LIST_LIMITS,
  type CommandList,
  commandListsFromTable,
  menuDescription,
} from './command-lists';
export {
  type ConfigField,
  type ConfigSources,
  DEV_DEFAULTS,
  ENV_NAMES,
  type ManifestConfig,
  RELEASE_FIELDS,
  type ResolvedConfig,
  readConfigFile,
  resolveManifestConfig,
} from './config';
export {
  formatIssues,
  type IssueRule,
  ManifestConfigError,
  ManifestError,
  type ManifestErrorCode,
  type ManifestIssue,
  ManifestTemplateError,
  ManifestValidationError,
} from './errors';
export { ACCENT_COLOR, drawColorIcon, drawOutlineIcon, encodePng } from './icon-art';
export { checkIcon, ICON_SIZES, type IconKind } from './icon-checks';
export { fillPlaceholders, findPlaceholders } from './placeholders';
export { type AppPackageContents, checkPackageRules } from './rules';
export { bundledSchemaVersions, MIN_MANIFEST_VERSION, validateAgainstSchema } from './schema';
export { validateAppPackage } from './validate';
