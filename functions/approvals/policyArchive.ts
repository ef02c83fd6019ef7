/**
 * Every policy version a request started under, kept in the table `approvalpolicies` (row key =
 * the version, the document as JSON), so that the workflow routes a request by the policy it was
 * made under even after the policy changed or the app restarted, and an auditor can read the exact
 * policy that chose a request's approvers.
 */

import { TerminalError } from '../../domain/errors';
import { Policy } from '../../domain/policy';
import { table } from '../storage/tables';
import { currentPolicy } from './policyFile';

export const POLICY_TABLE = 'approvalpolicies';
const PARTITION = 'policy';

/** The request names a policy version that was never archived here (an instance started by hand). */
export class UnknownPolicyVersionError extends TerminalError {
  readonly code = 'UNKNOWN_POLICY_VERSION';
  constructor(readonly version: string) {
    super(`No approval policy has version "${version}"; requests must be started through Signoff`);
  }
}

const archived = new Map<string, Promise<void>>();

/** Keeps `policy` in the archive (once per version and process; the write is idempotent). */
export function archivePolicy(policy: Policy = currentPolicy()): Promise<void> {
  let done = archived.get(policy.version);
  if (!done) {
    done = (async () => {
      const policies = await table(POLICY_TABLE);
      await policies.upsertEntity(
        { partitionKey: PARTITION, rowKey: policy.version, document: policy.json },
        'Replace',
      );
    })();
    archived.set(policy.version, done);
    done.catch(() => archived.delete(policy.version));
  }
  return done;
}

/** The policy of `version`: the current one, or an earlier one from the archive. */
export async function policyOfVersion(version: string): Promise<Policy> {
  const current = currentPolicy();
  if (current.version === version) return current;
  const policies = await table(POLICY_TABLE);
  let row: { document?: unknown };
  try {
    row = await policies.getEntity<{ document?: unknown }>(PARTITION, version);
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) throw new UnknownPolicyVersionError(version);
    throw error;
  }
  return Policy.parse(String(row.document ?? ''), `version ${version} from ${POLICY_TABLE}`);
}
