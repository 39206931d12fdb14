/**
 * Configuration checks of the secrets in AWS, one function per expectation, each a pure judgement
 * of already-fetched data: PASS, FAIL, or NOT_AVAILABLE when the data could not be read (which
 * counts as a failure, never as a pass).
 */
import type { SecretDescription, SecretStore } from "../../../functions/shared/credentials/secrets-manager";
import { rotationStatus } from "../credentials/rotation-status";

export type CheckStatus = "PASS" | "FAIL" | "NOT_AVAILABLE";

export interface CheckResult {
  readonly check: string;
  readonly secret: string;
  readonly status: CheckStatus;
  readonly detail: string;
}

export interface SecretFacts {
  readonly id: string;
  readonly description?: SecretDescription;
  readonly descriptionError?: string;
  readonly policy?: string;
  readonly policyError?: string;
}

const result = (check: string, secret: string, status: CheckStatus, detail: string): CheckResult => ({ check, secret, status, detail });

export function secretExists(f: SecretFacts): CheckResult {
  if (f.description) return result("secret_exists", f.id, "PASS", `exists as ${f.description.arn}`);
  const missing = /ResourceNotFound|can't find/i.test(f.descriptionError ?? "");
  return result("secret_exists", f.id, missing ? "FAIL" : "NOT_AVAILABLE", missing ? "does not exist: deploy the credentials stack" : `cannot be read: ${f.descriptionError}`);
}

export function secretEncryptedWithCustomerKey(f: SecretFacts): CheckResult {
  const check = "secret_encrypted_with_customer_key";
  if (!f.description) return result(check, f.id, "NOT_AVAILABLE", "secret not readable");
  const key = f.description.kmsKeyId;
  if (!key || key === "alias/aws/secretsmanager") return result(check, f.id, "FAIL", "encrypted with the AWS managed key aws/secretsmanager; use the stack's customer-managed key");
  return result(check, f.id, "PASS", `encrypted with ${key}`);
}

export function secretRotationEnabled(f: SecretFacts): CheckResult {
  const check = "secret_rotation_enabled";
  if (!f.description) return result(check, f.id, "NOT_AVAILABLE", "secret not readable");
  return f.description.rotationEnabled
    ? result(check, f.id, "PASS", `every ${f.description.rotationDays ?? "?"} days by ${f.description.rotationLambdaArn ?? "?"}`)
    : result(check, f.id, "FAIL", "rotation is not enabled");
}

export function secretRotatedWithinWindow(f: SecretFacts, now: Date): CheckResult {
  const check = "secret_rotated_within_window";
  if (!f.description) return result(check, f.id, "NOT_AVAILABLE", "secret not readable");
  const status = rotationStatus(f.description, now);
  const problems = status.problems.filter((p) => !p.startsWith("rotation is not enabled"));
  if (!f.description.lastRotatedDate && !status.overdue) problems.push("never rotated yet");
  return problems.length === 0 ? result(check, f.id, "PASS", `last rotated ${status.lastRotated}`) : result(check, f.id, "FAIL", problems.join("; "));
}

interface Statement {
  Effect?: string;
  Principal?: unknown;
  Action?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

export function secretPolicyAdmitsOnlyNamedRoles(f: SecretFacts): CheckResult {
  const check = "secret_policy_admits_only_named_roles";
  if (f.policyError) return result(check, f.id, "NOT_AVAILABLE", `resource policy not readable: ${f.policyError}`);
  if (!f.policy) return result(check, f.id, "FAIL", "no resource policy: any principal of the account with IAM permissions can read the value");
  let statements: Statement[];
  try {
    const parsed = JSON.parse(f.policy) as { Statement?: Statement | Statement[] };
    statements = Array.isArray(parsed.Statement) ? parsed.Statement : parsed.Statement ? [parsed.Statement] : [];
  } catch {
    return result(check, f.id, "NOT_AVAILABLE", "resource policy is not JSON");
  }
  const open = statements.find((s) => s.Effect === "Allow" && (s.Principal === "*" || (s.Principal as { AWS?: unknown })?.AWS === "*"));
  if (open) return result(check, f.id, "FAIL", "an Allow statement names every principal (*)");
  const guard = statements.find((s) => {
    const actions = ([] as string[]).concat(s.Action ?? []);
    const admitted = s.Condition?.StringNotEquals?.["aws:PrincipalArn"] ?? s.Condition?.ArnNotEquals?.["aws:PrincipalArn"];
    return s.Effect === "Deny" && (actions.includes("secretsmanager:GetSecretValue") || actions.includes("secretsmanager:*")) && admitted !== undefined;
  });
  if (!guard) return result(check, f.id, "FAIL", "no Deny of GetSecretValue for principals other than the named roles");
  const admitted = ([] as unknown[]).concat(guard.Condition?.StringNotEquals?.["aws:PrincipalArn"] ?? guard.Condition?.ArnNotEquals?.["aws:PrincipalArn"]);
  return result(check, f.id, "PASS", `only ${admitted.length} named role(s) may read or change the value`);
}

export async function fetchFacts(store: SecretStore, id: string): Promise<SecretFacts> {
  let description: SecretDescription | undefined;
  let descriptionError: string | undefined;
  try {
    description = await store.describe(id);
  } catch (error) {
    descriptionError = `${(error as Error).name}: ${(error as Error).message}`;
  }
  if (!description) return { id, descriptionError };
  try {
    return { id, description, policy: await store.resourcePolicy(description.arn) };
  } catch (error) {
    return { id, description, policyError: `${(error as Error).name}: ${(error as Error).message}` };
  }
}

export function judge(facts: SecretFacts, now: Date): CheckResult[] {
  return [secretExists(facts), secretEncryptedWithCustomerKey(facts), secretRotationEnabled(facts), secretRotatedWithinWindow(facts, now), secretPolicyAdmitsOnlyNamedRoles(facts)];
}
