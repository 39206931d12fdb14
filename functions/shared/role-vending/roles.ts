/**
 * IAM operations on vended roles, one helper per concern. Every delete tolerates a role (or
 * policy) that is already gone, so cleanup runs can overlap and retries are harmless.
 */
import {
  CreateRoleCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  GetAccountSummaryCommand,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  PutRolePolicyCommand,
  paginateListRoles,
  type IAMClient,
} from "@aws-sdk/client-iam";
import { awsErrorCode } from "../platform/errors";
import { PERMISSIONS_POLICY_NAME, REVOKE_POLICY_NAME, revokeOlderSessionsPolicy, type PolicyDocument } from "../iam-policy/role-vending";

export interface NewRole {
  readonly roleName: string;
  readonly path: string;
  readonly trust: PolicyDocument;
  readonly permissions: PolicyDocument;
  readonly boundaryArn: string;
  readonly maxSessionSeconds: number;
  readonly tags: Readonly<Record<string, string>>;
  readonly description: string;
}

const gone = (error: unknown) => awsErrorCode(error) === "NoSuchEntity" || awsErrorCode(error) === "NoSuchEntityException";

/** Creates the role with its boundary and tags, then its inline permissions: two IAM calls. A role left by an earlier attempt of the same grant is reused. */
export async function createVendedRole(iam: IAMClient, role: NewRole): Promise<string> {
  let arn: string | undefined;
  try {
    const out = await iam.send(
      new CreateRoleCommand({
        RoleName: role.roleName,
        Path: role.path,
        AssumeRolePolicyDocument: JSON.stringify(role.trust),
        PermissionsBoundary: role.boundaryArn,
        MaxSessionDuration: role.maxSessionSeconds,
        Description: role.description.slice(0, 1000),
        Tags: Object.entries(role.tags).map(([Key, Value]) => ({ Key, Value: Value.slice(0, 256) })),
      }),
    );
    arn = out.Role?.Arn;
  } catch (error) {
    if (awsErrorCode(error) !== "EntityAlreadyExists" && awsErrorCode(error) !== "EntityAlreadyExistsException") throw error;
  }
  await iam.send(new PutRolePolicyCommand({ RoleName: role.roleName, PolicyName: PERMISSIONS_POLICY_NAME, PolicyDocument: JSON.stringify(role.permissions) }));
  return arn ?? "";
}

/** Denies every session of the role issued before `now` (aws:TokenIssueTime), effective before the role is gone. */
export async function revokeSessions(iam: IAMClient, roleName: string, now: Date): Promise<boolean> {
  try {
    await iam.send(new PutRolePolicyCommand({ RoleName: roleName, PolicyName: REVOKE_POLICY_NAME, PolicyDocument: JSON.stringify(revokeOlderSessionsPolicy(now.toISOString())) }));
    return true;
  } catch (error) {
    if (gone(error)) return false;
    throw error;
  }
}

/** Deletes inline policies, detaches managed ones, then deletes the role. False when it was already gone. */
export async function deleteVendedRole(iam: IAMClient, roleName: string): Promise<boolean> {
  try {
    const inline = await iam.send(new ListRolePoliciesCommand({ RoleName: roleName }));
    for (const name of inline.PolicyNames ?? []) {
      await iam.send(new DeleteRolePolicyCommand({ RoleName: roleName, PolicyName: name })).catch((e) => {
        if (!gone(e)) throw e;
      });
    }
    const attached = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName }));
    for (const p of attached.AttachedPolicies ?? []) {
      await iam.send(new DetachRolePolicyCommand({ RoleName: roleName, PolicyArn: p.PolicyArn })).catch((e) => {
        if (!gone(e)) throw e;
      });
    }
    await iam.send(new DeleteRoleCommand({ RoleName: roleName }));
    return true;
  } catch (error) {
    if (gone(error)) return false;
    throw error;
  }
}

export interface ListedRole {
  readonly roleName: string;
  readonly arn: string;
  readonly createdAt: Date;
}

/** Every role under the vending path. */
export async function listVendedRoles(iam: IAMClient, path: string): Promise<ListedRole[]> {
  const out: ListedRole[] = [];
  for await (const page of paginateListRoles({ client: iam }, { PathPrefix: path })) {
    for (const r of page.Roles ?? []) out.push({ roleName: r.RoleName!, arn: r.Arn!, createdAt: r.CreateDate ?? new Date(0) });
  }
  return out;
}

/** The account's role count and quota (GetAccountSummary: Roles, RolesQuota). */
export async function roleQuota(iam: IAMClient): Promise<{ roles: number; quota: number }> {
  const out = await iam.send(new GetAccountSummaryCommand({}));
  const summary = out.SummaryMap ?? {};
  return { roles: summary.Roles ?? 0, quota: summary.RolesQuota ?? 1000 };
}
