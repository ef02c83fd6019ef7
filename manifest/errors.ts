import { TerminalError } from '../domain/errors';

/** One problem found in the configuration, the template or the built package. */
export interface ManifestIssue {
  /** Which check found it, so callers and tests can branch without reading the message. */
  readonly rule: IssueRule;
  /** Where: a config field (`BOT_ID (environment)`), a manifest path (`manifest.json /bots/0/botId`) or a file. */
  readonly where: string;
  readonly message: string;
}

export type IssueRule =
  | 'config'
  | 'schema'
  | 'guid'
  | 'placeholder'
  | 'icon'
  | 'command'
  | 'version'
  | 'domain';

export type ManifestErrorCode =
  | 'MANIFEST_CONFIG_INVALID'
  | 'MANIFEST_TEMPLATE_UNREADABLE'
  | 'MANIFEST_INVALID';

/** Base of every error the manifest build throws; `code` says which kind without parsing text. */
export abstract class ManifestError extends TerminalError {
  abstract override readonly code: ManifestErrorCode;
}

/** A list of issues, every one of them, so a single run shows the admin all there is to fix. */
abstract class ManifestIssuesError extends ManifestError {
  constructor(
    headline: string,
    readonly issues: readonly ManifestIssue[],
  ) {
    super(`${headline}:\n${formatIssues(issues)}`);
  }
}

/** The ids, names, URLs or domains given through the environment or a config file are wrong. */
export class ManifestConfigError extends ManifestIssuesError {
  readonly code = 'MANIFEST_CONFIG_INVALID';
  override readonly name = 'ManifestConfigError';
  constructor(issues: readonly ManifestIssue[]) {
    super(`Teams app configuration has ${countIssues(issues)}`, issues);
  }
}

/** The manifest template or the config file is missing or is not JSON. */
export class ManifestTemplateError extends ManifestError {
  readonly code = 'MANIFEST_TEMPLATE_UNREADABLE';
  override readonly name = 'ManifestTemplateError';
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`${file}: ${reason}`);
  }
}

/** The built manifest or its icons would be rejected by Teams, or offer commands the bot lacks. */
export class ManifestValidationError extends ManifestIssuesError {
  readonly code = 'MANIFEST_INVALID';
  override readonly name = 'ManifestValidationError';
  constructor(issues: readonly ManifestIssue[]) {
    super(`Teams app package has ${countIssues(issues)}`, issues);
  }
}

/** One issue a line: `- where: message`. */
export function formatIssues(issues: readonly ManifestIssue[]): string {
  return issues.map((issue) => `- ${issue.where}: ${issue.message}`).join('\n');
}

function countIssues(issues: readonly ManifestIssue[]): string {
  return issues.length === 1 ? '1 error' : `${issues.length} errors`;
}
