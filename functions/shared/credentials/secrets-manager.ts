/**
 * The Secrets Manager calls the rotation function, the trigger, the credential manager and the
 * operator commands make: one helper per operation over one SDK client, so callers take a
 * `SecretStore` and tests point the real client at a local stand-in.
 */
import {
  DescribeSecretCommand,
  GetRandomPasswordCommand,
  GetResourcePolicyCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  RotateSecretCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from "@aws-sdk/client-secrets-manager";
import { AWS_CLIENT_DEFAULTS } from "../platform/aws-clients";
import { awsErrorCode } from "../platform/errors";

export interface SecretDescription {
  readonly arn: string;
  readonly name: string;
  readonly rotationEnabled: boolean;
  /** versionId → its staging labels. */
  readonly versions: Readonly<Record<string, readonly string[]>>;
  readonly kmsKeyId?: string;
  readonly lastRotatedDate?: Date;
  readonly lastChangedDate?: Date;
  readonly createdDate?: Date;
  readonly nextRotationDate?: Date;
  readonly rotationLambdaArn?: string;
  readonly rotationDays?: number;
}

export interface SecretVersion {
  readonly versionId: string;
  readonly stages: readonly string[];
  readonly createdDate?: Date;
}

export interface SecretStore {
  describe(secretId: string): Promise<SecretDescription>;
  /** The value of one version (by id and/or stage); undefined when that version has no value or does not exist. */
  getValue(secretId: string, selector: { readonly versionId?: string; readonly stage?: string }): Promise<string | undefined>;
  putPending(secretId: string, token: string, value: string): Promise<void>;
  /** A new AWSCURRENT version (setup-credentials); the service moves AWSPREVIOUS. */
  putCurrent(secretId: string, value: string): Promise<{ readonly versionId?: string }>;
  resourcePolicy(secretId: string): Promise<string | undefined>;
  /** Moves `stage` onto `toVersionId` (and off `fromVersionId`); with no `toVersionId`, only removes it. */
  moveStage(secretId: string, stage: string, move: { readonly toVersionId?: string; readonly fromVersionId?: string }): Promise<void>;
  listVersions(secretId: string): Promise<SecretVersion[]>;
  rotate(secretId: string): Promise<{ readonly versionId?: string }>;
  randomPassword(length: number, excludeCharacters: string): Promise<string>;
}

export interface SecretsManagerOptions {
  readonly region: string;
  /** A VPC endpoint or a local stand-in. */
  readonly endpoint?: string;
}

export function secretsManagerClient(options: SecretsManagerOptions): SecretsManagerClient {
  return new SecretsManagerClient({ region: options.region, endpoint: options.endpoint, ...AWS_CLIENT_DEFAULTS });
}

export function isNotFound(error: unknown): boolean {
  return awsErrorCode(error) === "ResourceNotFoundException";
}

/** The `SecretStore` over a real SDK client. */
export function secretStore(client: SecretsManagerClient): SecretStore {
  return {
    async describe(secretId) {
      const d = await client.send(new DescribeSecretCommand({ SecretId: secretId }));
      return {
        arn: d.ARN ?? secretId,
        name: d.Name ?? secretId,
        rotationEnabled: d.RotationEnabled === true,
        versions: d.VersionIdsToStages ?? {},
        kmsKeyId: d.KmsKeyId,
        lastRotatedDate: d.LastRotatedDate,
        lastChangedDate: d.LastChangedDate,
        createdDate: d.CreatedDate,
        nextRotationDate: d.NextRotationDate,
        rotationLambdaArn: d.RotationLambdaARN,
        rotationDays: d.RotationRules?.AutomaticallyAfterDays,
      };
    },
    async getValue(secretId, selector) {
      try {
        const out = await client.send(new GetSecretValueCommand({ SecretId: secretId, VersionId: selector.versionId, VersionStage: selector.stage }));
        return out.SecretString ?? undefined;
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    async putPending(secretId, token, value) {
      await client.send(new PutSecretValueCommand({ SecretId: secretId, ClientRequestToken: token, SecretString: value, VersionStages: ["AWSPENDING"] }));
    },
    async putCurrent(secretId, value) {
      const out = await client.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: value, VersionStages: ["AWSCURRENT"] }));
      return { versionId: out.VersionId };
    },
    async resourcePolicy(secretId) {
      const out = await client.send(new GetResourcePolicyCommand({ SecretId: secretId }));
      return out.ResourcePolicy ?? undefined;
    },
    async moveStage(secretId, stage, move) {
      await client.send(new UpdateSecretVersionStageCommand({ SecretId: secretId, VersionStage: stage, MoveToVersionId: move.toVersionId, RemoveFromVersionId: move.fromVersionId }));
    },
    async listVersions(secretId) {
      const versions: SecretVersion[] = [];
      let nextToken: string | undefined;
      do {
        const page = await client.send(new ListSecretVersionIdsCommand({ SecretId: secretId, NextToken: nextToken, IncludeDeprecated: false }));
        for (const v of page.Versions ?? []) if (v.VersionId) versions.push({ versionId: v.VersionId, stages: v.VersionStages ?? [], createdDate: v.CreatedDate });
        nextToken = page.NextToken;
      } while (nextToken);
      return versions;
    },
    async rotate(secretId) {
      const out = await client.send(new RotateSecretCommand({ SecretId: secretId }));
      return { versionId: out.VersionId };
    },
    async randomPassword(length, excludeCharacters) {
      const out = await client.send(new GetRandomPasswordCommand({ PasswordLength: length, ExcludeCharacters: excludeCharacters, RequireEachIncludedType: true }));
      if (!out.RandomPassword) throw new Error("GetRandomPassword returned no password.");
      return out.RandomPassword;
    },
  };
}

/** The version that holds a stage, if any. */
export function versionWithStage(description: SecretDescription, stage: string): string | undefined {
  return Object.entries(description.versions).find(([, stages]) => stages.includes(stage))?.[0];
}
