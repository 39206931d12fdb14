/**
 * Who may invoke the agent: membership of its IAM group, and access-key rotation for those users.
 * Replaces the runbook's hand-typed IAM commands. Keys are created here, never in Terraform (state
 * would hold the secret); a new key's secret is returned once and never stored.
 */
import {
  AddUserToGroupCommand,
  CreateAccessKeyCommand,
  DeleteAccessKeyCommand,
  GetUserCommand,
  ListAccessKeysCommand,
  paginateGetGroup,
  RemoveUserFromGroupCommand,
  UpdateAccessKeyCommand,
  type AccessKeyMetadata,
  type IAMClient,
} from "@aws-sdk/client-iam";
import { PlatformError, awsErrorCode } from "../../../functions/shared/platform/errors";

/** A refusal or failure the user can act on; the CLI prints the message and exits 1. */
export class AccessError extends PlatformError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("AccessError", message, options);
  }
}

export interface Member {
  readonly userName: string;
  readonly arn: string;
  readonly createdAt?: string;
}

async function iam<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const code = awsErrorCode(error);
    if (code === "NoSuchEntity" || code === "NoSuchEntityException") throw new AccessError(`${what}: not found (${(error as Error).message})`, { cause: error });
    if (code === "AccessDenied" || code === "AccessDeniedException") throw new AccessError(`${what}: access denied; this command needs IAM administrator rights.`, { cause: error });
    throw new AccessError(`${what} failed (${code}): ${(error as Error).message}`, { cause: error });
  }
}

export async function listMembers(client: IAMClient, group: string): Promise<Member[]> {
  return iam(`Listing group ${group}`, async () => {
    const members: Member[] = [];
    for await (const page of paginateGetGroup({ client }, { GroupName: group })) {
      for (const u of page.Users ?? []) members.push({ userName: u.UserName ?? "?", arn: u.Arn ?? "?", ...(u.CreateDate ? { createdAt: u.CreateDate.toISOString() } : {}) });
    }
    return members.sort((a, b) => a.userName.localeCompare(b.userName));
  });
}

export async function addMember(client: IAMClient, group: string, user: string): Promise<void> {
  await iam(`IAM user ${user}`, () => client.send(new GetUserCommand({ UserName: user })));
  await iam(`Adding ${user} to ${group}`, () => client.send(new AddUserToGroupCommand({ GroupName: group, UserName: user })));
}

export async function removeMember(client: IAMClient, group: string, user: string): Promise<void> {
  await iam(`Removing ${user} from ${group}`, () => client.send(new RemoveUserFromGroupCommand({ GroupName: group, UserName: user })));
}

export interface NewKey {
  readonly accessKeyId: string;
  /** Shown once; never written anywhere by this tool. */
  readonly secretAccessKey: string;
}

/** The user's keys, oldest first. */
export async function accessKeys(client: IAMClient, user: string): Promise<AccessKeyMetadata[]> {
  const out = await iam(`Access keys of ${user}`, () => client.send(new ListAccessKeysCommand({ UserName: user })));
  return [...(out.AccessKeyMetadata ?? [])].sort((a, b) => (a.CreateDate?.getTime() ?? 0) - (b.CreateDate?.getTime() ?? 0));
}

/** Step 1 of a rotation: a new key beside the old one. IAM allows two keys per user. */
export async function createKey(client: IAMClient, user: string, existing: readonly AccessKeyMetadata[]): Promise<NewKey> {
  if (existing.length >= 2) {
    const inactive = existing.filter((k) => k.Status === "Inactive").map((k) => k.AccessKeyId);
    throw new AccessError(
      inactive.length > 0
        ? `${user} already has two access keys (IAM's limit); ${inactive.join(", ")} is inactive: delete it first with \`redshift-agent access rotate-key ${user} --finish\`.`
        : `${user} already has two active access keys (IAM's limit): find out which one is unused, then deactivate it before rotating.`,
    );
  }
  const out = await iam(`Creating an access key for ${user}`, () => client.send(new CreateAccessKeyCommand({ UserName: user })));
  if (!out.AccessKey?.AccessKeyId || !out.AccessKey.SecretAccessKey) throw new AccessError(`IAM created no readable key for ${user}.`);
  return { accessKeyId: out.AccessKey.AccessKeyId, secretAccessKey: out.AccessKey.SecretAccessKey };
}

export async function deactivateKey(client: IAMClient, user: string, accessKeyId: string): Promise<void> {
  await iam(`Deactivating ${accessKeyId}`, () => client.send(new UpdateAccessKeyCommand({ UserName: user, AccessKeyId: accessKeyId, Status: "Inactive" })));
}

export async function deleteKey(client: IAMClient, user: string, accessKeyId: string): Promise<void> {
  await iam(`Deleting ${accessKeyId}`, () => client.send(new DeleteAccessKeyCommand({ UserName: user, AccessKeyId: accessKeyId })));
}
