/**
 * Where the approval policy comes from: `APPROVAL_POLICY` (the whole policy as YAML or JSON
 * text), else the file `APPROVAL_POLICY_FILE`, else the bundled policy.yaml beside this module.
 * Read and validated once per process, at start-up (approvals/index.ts), so a bad policy stops
 * the app with every problem listed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Policy, PolicyError } from '../../domain/policy';

export function loadPolicy(env: NodeJS.ProcessEnv = process.env): Policy {
  if (env.APPROVAL_POLICY?.trim()) return Policy.parse(env.APPROVAL_POLICY, 'from APPROVAL_POLICY');
  const file = env.APPROVAL_POLICY_FILE?.trim() || path.join(__dirname, 'policy.yaml');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new PolicyError(file, [{ field: '(file)', rule: `cannot be read: ${(error as Error).message}` }]);
  }
  return Policy.parse(text, file);
}

let loaded: Policy | undefined;
/** The policy of this process, loaded (and validated) on first use. */
export function currentPolicy(): Policy {
  loaded ??= loadPolicy();
  return loaded;
}
