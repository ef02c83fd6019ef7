/**
 * The approval policy: per request kind, named stages and the rules that choose them. It is
 * configuration an admin edits (YAML or JSON), validated once at start-up; every problem is
 * reported with its path. Each policy has a version (a hash of its content); a request records
 * the version it starts under, and the workflow routes it by that version (the function app keeps
 * every version used), so editing the policy never changes a running request and nobody can
 * start one with approvers of their choosing. Reading the file is the function app's part.
 */
import { createHash } from 'node:crypto';
import YAML from 'yaml';
import { z } from 'zod/v4';
import {
  type BusinessHours,
  DeadlineError,
  type DeadlineSpec,
  deadlineAt,
  parseIsoDuration,
} from './deadlines';
import { TerminalError } from './errors';
import {
  type ApprovalRequest,
  amountOf,
  type FieldProblem,
  problemsOf,
  type RequestKind,
  type User,
  userSchema,
} from './requests';

const duration = z.string().refine(
  (v) => {
    try {
      parseIsoDuration(v);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'must be an ISO 8601 duration such as "PT4H" or "P2D"' },
);

const businessHoursSchema = z.object({
  timeZone: z.string().min(1),
  days: z.array(z.number().int().min(1).max(7)).min(1, 'needs at least one working day'),
  start: z.string().regex(/^\d{2}:\d{2}$/, 'must be "HH:MM"'),
  end: z.string().regex(/^\d{2}:\d{2}$/, 'must be "HH:MM"'),
});

const deadlineSchema = z.object({ after: duration, businessHours: businessHoursSchema.optional() }).strict();
const approversSchema = z.union([
  z.object({ users: z.array(z.string()).min(1, 'needs at least one user') }).strict(),
  z.object({ group: z.string().min(1) }).strict(),
]);
const modeSchema = z.union([
  z.literal('any'),
  z.literal('all'),
  z.object({ nOf: z.number().int().min(1) }).strict(),
]);

const stageSchema = z
  .object({
    title: z.string().min(1),
    approvers: approversSchema,
    mode: modeSchema.default('any'),
    deadline: deadlineSchema,
    reminders: z.object({ every: duration }).strict().optional(),
    onDeadline: z
      .union([
        z.literal('expire'),
        z
          .object({ escalate: z.object({ approvers: approversSchema, deadline: deadlineSchema }).strict() })
          .strict(),
      ])
      .default('expire'),
  })
  .strict();

const ruleSchema = z
  .object({
    when: z
      .object({
        minAmount: z.number().nonnegative().optional(),
        maxAmount: z.number().nonnegative().optional(),
      })
      .strict()
      .optional(),
    stages: z.array(z.string()).min(1, 'needs at least one stage'),
    /**
     * The requester must add a document before approvers are asked: what it should be, as the
     * requester reads it ("proof of income, such as a payslip").
     */
    requiresDocument: z.string().trim().min(1).max(300).optional(),
  })
  .strict();

const policySchema = z
  .object({
    users: z.record(z.string(), userSchema),
    groups: z.record(z.string(), z.array(z.string()).min(1, 'needs at least one user')).default({}),
    kinds: z.object({
      loan: z
        .object({ stages: z.record(z.string(), stageSchema), rules: z.array(ruleSchema).min(1) })
        .strict(),
      generic: z
        .object({ stages: z.record(z.string(), stageSchema), rules: z.array(ruleSchema).min(1) })
        .strict(),
    }),
  })
  .strict();

export type PolicyDocument = z.infer<typeof policySchema>;
type ApproversSpec = z.infer<typeof approversSchema>;

export type ApprovalMode = { type: 'any' } | { type: 'all' } | { type: 'nOf'; n: number };

/** A stage with its approvers resolved to users: what the orchestration runs. */
export interface Stage {
  name: string;
  title: string;
  approvers: User[];
  mode: ApprovalMode;
  deadline: DeadlineSpec;
  remindEvery?: string;
  onDeadline: { type: 'expire' } | { type: 'escalate'; approvers: User[]; deadline: DeadlineSpec };
}

export class PolicyError extends TerminalError {
  readonly code = 'POLICY_INVALID';
  constructor(
    readonly source: string,
    readonly problems: FieldProblem[],
  ) {
    super(
      `Approval policy ${source} is invalid:\n${problems.map((p) => `  - ${p.field}: ${p.rule}`).join('\n')}`,
    );
  }
}

export class NoMatchingRuleError extends TerminalError {
  readonly code = 'NO_POLICY_RULE';
}

export class Policy {
  /** `p-` and 16 hex digits of the SHA-256 of the document's JSON: equal documents, equal versions. */
  readonly version: string;
  /** The validated document as JSON, as the archive keeps it. */
  readonly json: string;

  private constructor(private readonly doc: PolicyDocument) {
    this.json = JSON.stringify(doc);
    this.version = `p-${createHash('sha256').update(this.json).digest('hex').slice(0, 16)}`;
  }

  /** Parses and cross-checks a policy document; throws {@link PolicyError} listing every problem. */
  static parse(text: string, source: string): Policy {
    let raw: unknown;
    try {
      raw = YAML.parse(text);
    } catch (error) {
      throw new PolicyError(source, [
        { field: '(file)', rule: `is not valid YAML/JSON: ${(error as Error).message}` },
      ]);
    }
    const result = policySchema.safeParse(raw);
    if (!result.success) throw new PolicyError(source, problemsOf(result.error));
    const problems = crossCheck(result.data);
    if (problems.length > 0) throw new PolicyError(source, problems);
    return new Policy(result.data);
  }

  /** The first rule that matches the request. */
  private ruleFor(request: ApprovalRequest): z.infer<typeof ruleSchema> {
    const kind = this.doc.kinds[request.kind];
    const amount = amountOf(request) ?? 0;
    const rule = kind.rules.find(
      (r) =>
        (r.when?.minAmount === undefined || amount >= r.when.minAmount) &&
        (r.when?.maxAmount === undefined || amount <= r.when.maxAmount),
    );
    if (!rule)
      throw new NoMatchingRuleError(
        `No ${request.kind} rule in the approval policy matches an amount of ${amount}`,
      );
    return rule;
  }

  /**
   * What document the request needs before approvers are asked (its rule's `requiresDocument`),
   * or undefined when it needs none.
   */
  documentRequirement(request: ApprovalRequest): string | undefined {
    return this.ruleFor(request).requiresDocument;
  }

  /** The stages a request must pass, by the first rule that matches it. */
  stagesFor(request: ApprovalRequest): Stage[] {
    const kind = this.doc.kinds[request.kind];
    const rule = this.ruleFor(request);
    return rule.stages.map((name) => {
      const s = kind.stages[name] as z.infer<typeof stageSchema>;
      const mode: ApprovalMode =
        typeof s.mode === 'string' ? { type: s.mode } : { type: 'nOf', n: s.mode.nOf };
      return {
        name,
        title: s.title,
        approvers: this.resolve(s.approvers),
        mode,
        deadline: s.deadline,
        remindEvery: s.reminders?.every,
        onDeadline:
          s.onDeadline === 'expire'
            ? { type: 'expire' }
            : {
                type: 'escalate',
                approvers: this.resolve(s.onDeadline.escalate.approvers),
                deadline: s.onDeadline.escalate.deadline,
              },
      };
    });
  }

  /** Everyone the policy names, for directory look-ups by id. */
  users(): User[] {
    return Object.values(this.doc.users);
  }

  private resolve(spec: ApproversSpec): User[] {
    const keys = 'users' in spec ? spec.users : (this.doc.groups[spec.group] ?? []);
    return keys.map((k) => this.doc.users[k] as User);
  }
}

function crossCheck(doc: PolicyDocument): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const userExists = (key: string) => key in doc.users;
  for (const [group, members] of Object.entries(doc.groups)) {
    members.forEach((m, i) => {
      if (!userExists(m)) problems.push({ field: `groups.${group}.${i}`, rule: `names unknown user "${m}"` });
    });
  }
  const approverCount = (spec: ApproversSpec, at: string): number => {
    if ('users' in spec) {
      spec.users.forEach((u, i) => {
        if (!userExists(u)) problems.push({ field: `${at}.users.${i}`, rule: `names unknown user "${u}"` });
      });
      return spec.users.length;
    }
    const group = doc.groups[spec.group];
    if (!group) problems.push({ field: `${at}.group`, rule: `names unknown group "${spec.group}"` });
    return group?.length ?? 0;
  };
  const checkDeadline = (d: DeadlineSpec, at: string) => {
    if (!d.businessHours) return;
    try {
      deadlineAt(Date.UTC(2026, 0, 5, 12), d as { after: string; businessHours: BusinessHours });
    } catch (error) {
      if (error instanceof DeadlineError)
        problems.push({ field: `${at}.businessHours`, rule: error.message });
      else throw error;
    }
  };
  for (const kindName of ['loan', 'generic'] as RequestKind[]) {
    const kind = doc.kinds[kindName];
    for (const [name, stage] of Object.entries(kind.stages)) {
      const at = `kinds.${kindName}.stages.${name}`;
      const count = approverCount(stage.approvers, `${at}.approvers`);
      if (typeof stage.mode === 'object' && stage.mode.nOf > count) {
        problems.push({
          field: `${at}.mode.nOf`,
          rule: `needs ${stage.mode.nOf} approvals but the stage has ${count} approvers`,
        });
      }
      checkDeadline(stage.deadline, `${at}.deadline`);
      if (stage.onDeadline !== 'expire') {
        approverCount(stage.onDeadline.escalate.approvers, `${at}.onDeadline.escalate.approvers`);
        checkDeadline(stage.onDeadline.escalate.deadline, `${at}.onDeadline.escalate.deadline`);
      }
    }
    kind.rules.forEach((rule, i) => {
      rule.stages.forEach((s, j) => {
        if (!(s in kind.stages))
          problems.push({
            field: `kinds.${kindName}.rules.${i}.stages.${j}`,
            rule: `names unknown stage "${s}"`,
          });
      });
    });
    const last = kind.rules[kind.rules.length - 1];
    if (last?.when) {
      problems.push({
        field: `kinds.${kindName}.rules`,
        rule: 'the last rule must have no "when", so every request matches a rule',
      });
    }
  }
  return problems;
}
