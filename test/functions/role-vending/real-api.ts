/**
 * The real role-vending functions (handler.ts modules, loaded with their environment) on dynalite,
 * behind the local API Gateway stand-in, with IAM, S3 (templates), SNS and STS mocked. STS's
 * AssumeRole evaluates the vended role's trust policy with the platform's policy engine, so a CLI
 * that asks wrongly (no MFA, wrong external id, another user, after the end) is refused as AWS would.
 */
import { after } from "mocha";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { AssumeRoleCommand, GetCallerIdentityCommand, GetSessionTokenCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient, type AwsStub } from "aws-sdk-client-mock";
import type { AwsCredentialIdentity } from "@smithy/types";
import { evaluateRequest } from "../../../functions/shared/iam-policy/evaluate";
import type { ProxyHandler, RunningServer } from "../../../scripts/serve";
import { ACCOUNT, ALICE, BOB, iamStandIn, PREFIX, readTemplate, startDynalite, TEST_CONFIG, type Dynalite } from "./support";
import { startLocalApi, type KnownCredentials } from "./local-api";
import type { Tier } from "../../../functions/shared/contracts/role-vending-api";

export const TABLE = "grants-real";
export const SOURCE_IP = "203.0.113.9";

/** Long-term keys (no MFA) and the MFA sessions STS hands out for them. */
export const USERS = {
  alice: { arn: ALICE, longTerm: { accessKeyId: "AKIAALICE0000000000", secretAccessKey: "alice-long-term" }, session: { AccessKeyId: "ASIAALICE000000000", SecretAccessKey: "alice-session-secret", SessionToken: "alice-session-token" } },
  bob: { arn: BOB, longTerm: { accessKeyId: "AKIABOB00000000000", secretAccessKey: "bob-long-term" }, session: { AccessKeyId: "ASIABOB0000000000", SecretAccessKey: "bob-session-secret", SessionToken: "bob-session-token" } },
} as const;

const KNOWN: Record<string, KnownCredentials> = {};
for (const u of Object.values(USERS)) {
  KNOWN[u.session.AccessKeyId] = { secretAccessKey: u.session.SecretAccessKey, sessionToken: u.session.SessionToken, userArn: u.arn, mfa: true };
  KNOWN[u.longTerm.accessKeyId] = { secretAccessKey: u.longTerm.secretAccessKey, userArn: u.arn, mfa: false };
}

let shared: Promise<{ dynamo: Dynalite; api: ProxyHandler; cleanup: () => Promise<unknown> }> | undefined;

let savedEnv: NodeJS.ProcessEnv | undefined;

function loadFunctions() {
  shared ??= (async () => {
    const dynamo = await startDynalite();
    await dynamo.store(TABLE);
    savedEnv = { ...process.env };
    Object.assign(process.env, {
      AWS_REGION: "eu-west-1",
      AWS_ACCESS_KEY_ID: "local",
      AWS_SECRET_ACCESS_KEY: "local",
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      ACCOUNT_ID: ACCOUNT,
      NAME_PREFIX: PREFIX,
      GRANTS_TABLE: TABLE,
      TEMPLATE_BUCKET: "templates",
      REPORT_BUCKET: "reports",
      APPROVAL_TOPIC_ARN: `arn:aws:sns:eu-west-1:${ACCOUNT}:approvals`,
      TIERS: JSON.stringify(TEST_CONFIG.TIERS),
      APPROVERS: BOB,
      APPROVAL_EXPIRY_MINUTES: "60",
      DEFAULT_CIDRS: "203.0.113.0/24",
      PROJECTS: "payments,search",
      POWERTOOLS_METRICS_DISABLED: "true",
      POWERTOOLS_LOG_LEVEL: "SILENT",
    });
    const api = (require("../../../functions/role-vending-api/handler") as { handler: ProxyHandler }).handler;
    const cleanup = (require("../../../functions/role-vending-cleanup/handler") as { handler: () => Promise<unknown> }).handler;
    return { dynamo, api, cleanup };
  })();
  return shared;
}

// One dynalite for every file using the real handlers (they keep their clients for the process).
after(async () => {
  if (shared) await (await shared).dynamo.stop();
  // The handlers read their environment at load; later test files must not inherit it (metrics off, local endpoints).
  if (savedEnv) {
    for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
    Object.assign(process.env, savedEnv);
  }
});

export interface RealVending {
  readonly api: RunningServer;
  readonly iam: ReturnType<typeof iamStandIn>;
  readonly sns: AwsStub<any, any, any>;
  readonly sts: AwsStub<any, any, any>;
  readonly dynamo: Dynalite;
  /** Answers of AssumeRole the STS stand-in refused before allowing (e.g. IAM propagation). */
  failNextAssumes(n: number): void;
  runCleanup(): Promise<unknown>;
  close(): Promise<void>;
}

async function identityOf(credentials: unknown): Promise<AwsCredentialIdentity> {
  return typeof credentials === "function" ? await (credentials as () => Promise<AwsCredentialIdentity>)() : (credentials as AwsCredentialIdentity);
}

export async function startRealVending(): Promise<RealVending> {
  const { dynamo, api, cleanup } = await loadFunctions();
  const iam = iamStandIn();
  const s3 = mockClient(S3Client);
  s3.on(GetObjectCommand).callsFake(async (input: { Key: string }) => {
    const tier = /^templates\/(.+)\.json$/.exec(input.Key)?.[1] as Tier;
    return { Body: { transformToString: async () => readTemplate(tier) } };
  });
  const sns = mockClient(SNSClient);
  sns.on(PublishCommand).resolves({ MessageId: "m-1" });
  const sts = mockClient(STSClient);
  let failures = 0;
  const userByKey = (key: string) => Object.values(USERS).find((u) => u.longTerm.accessKeyId === key || u.session.AccessKeyId === key);
  sts.on(GetCallerIdentityCommand).callsFake(async (_: unknown, getClient: () => { config: { credentials: unknown } }) => {
    const me = userByKey((await identityOf(getClient().config.credentials)).accessKeyId);
    return { Arn: me?.arn, Account: ACCOUNT };
  });
  sts.on(GetSessionTokenCommand).callsFake(async (input: { SerialNumber?: string; TokenCode?: string; DurationSeconds?: number }, getClient: () => { config: { credentials: unknown } }) => {
    const me = userByKey((await identityOf(getClient().config.credentials)).accessKeyId);
    if (!me || !input.TokenCode || input.SerialNumber !== `arn:aws:iam::${ACCOUNT}:mfa/${me.arn.split("/").pop()}`) throw Object.assign(new Error("MultiFactorAuthentication failed"), { name: "AccessDenied" });
    return { Credentials: { ...me.session, Expiration: new Date(Date.now() + (input.DurationSeconds ?? 3600) * 1000) } };
  });
  sts.on(AssumeRoleCommand).callsFake(async (input: { RoleArn: string; ExternalId?: string; SourceIdentity?: string; DurationSeconds?: number; RoleSessionName: string }, getClient: () => { config: { credentials: unknown } }) => {
    const creds = await identityOf(getClient().config.credentials);
    const known = KNOWN[creds.accessKeyId];
    if (failures > 0) {
      failures -= 1;
      throw Object.assign(new Error(`User: ${known?.userArn} is not authorized to perform: sts:AssumeRole on resource: ${input.RoleArn}`), { name: "AccessDenied" });
    }
    const role = [...iam.roles.values()].find((r) => r.arn === input.RoleArn);
    const context = {
      "aws:CurrentTime": new Date().toISOString(),
      "aws:SourceIp": SOURCE_IP,
      ...(known?.mfa ? { "aws:MultiFactorAuthPresent": "true" } : {}),
      ...(input.ExternalId ? { "sts:ExternalId": input.ExternalId } : {}),
      ...(input.SourceIdentity ? { "sts:SourceIdentity": input.SourceIdentity } : {}),
    };
    const request = { principal: known?.userArn, action: "sts:AssumeRole", resource: input.RoleArn, context };
    const decision = role ? evaluateRequest({ resource: role.trust }, request) : undefined;
    const sourceIdentityOk = role && input.SourceIdentity ? evaluateRequest({ resource: role.trust }, { ...request, action: "sts:SetSourceIdentity" }).allowed : true;
    if (!decision?.allowed || !sourceIdentityOk) throw Object.assign(new Error(`User: ${known?.userArn} is not authorized to perform: sts:AssumeRole on resource: ${input.RoleArn}`), { name: "AccessDenied" });
    if ((input.DurationSeconds ?? 3600) > (role!.maxSessionDuration ?? 3600)) throw Object.assign(new Error("The requested DurationSeconds exceeds the MaxSessionDuration set for this role."), { name: "ValidationError" });
    return {
      Credentials: { AccessKeyId: `ASIAVENDED${Math.random().toString(36).slice(2, 8).toUpperCase()}`, SecretAccessKey: "vended-secret", SessionToken: "vended-token", Expiration: new Date(Date.now() + (input.DurationSeconds ?? 3600) * 1000) },
      AssumedRoleUser: { Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${input.RoleArn.split("/").pop()}/${input.RoleSessionName}`, AssumedRoleId: "AROA:x" },
      SourceIdentity: input.SourceIdentity,
    };
  });
  const server = await startLocalApi(api, KNOWN);
  return {
    api: server,
    iam,
    sns,
    sts,
    dynamo,
    failNextAssumes: (n) => void (failures = n),
    runCleanup: cleanup,
    async close() {
      await server.close();
      iam.mock.restore();
      s3.restore();
      sns.restore();
      sts.restore();
    },
  };
}
