import type { ManifestIssue } from './errors';
import { type AppPackageContents, checkPackageRules } from './rules';
import { validateAgainstSchema } from './schema';

/**
 * Every reason Teams would reject the package, or the bot would not handle what it offers: the
 * bundled JSON schema plus {@link checkPackageRules}. Empty when the package is good.
 */
export async function validateAppPackage(contents: AppPackageContents): Promise<ManifestIssue[]> {
  const ruleIssues = checkPackageRules(contents);
  const schemaIssues = await validateAgainstSchema(contents.manifest);
  // Where a rule already explains a field (a bad GUID, a placeholder), the schema's pattern
  // message for the same field adds nothing.
  const explained = new Set(ruleIssues.map((issue) => issue.where));
  return [...schemaIssues.filter((issue) => !explained.has(issue.where)), ...ruleIssues];
}
