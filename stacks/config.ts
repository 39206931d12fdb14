/**
 * The app's one configuration: per-environment settings, validated once at synth. A bad or missing
 * setting stops synth with one line that names the key and what is allowed.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { SETTINGS } from "./settings";
import { cidr, projectId, TIERS } from "../functions/shared/contracts/role-vending-api";

export const ENVIRONMENTS = ["dev", "staging", "prod"] as const;
export type EnvironmentName = (typeof ENVIRONMENTS)[number];

/** Retention periods CloudWatch Logs accepts. */
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

const region = z.string().regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, { error: "an AWS region such as eu-west-1" });
const accountId = z.string().regex(/^\d{12}$/, { error: "a 12-digit AWS account id" });
const scheduleExpression = z
  .string()
  .regex(/^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\(.+\))$/, { error: "an EventBridge schedule such as rate(1 day) or cron(0 3 * * ? *)" });
const roleArn = z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, { error: "an IAM role ARN such as arn:aws:iam::111111111111:role/app" });
const secretName = z.string().regex(/^[\w/+=.@-]{1,512}$/, { error: "a Secrets Manager secret name (letters, digits, / _ + = . @ -)" });
const vpc = z
  .object({
    subnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]+$/, { error: "subnet ids such as subnet-0abc" })).min(1),
    securityGroupIds: z.array(z.string().regex(/^sg-[0-9a-f]+$/, { error: "security group ids such as sg-0abc" })).min(1),
  })
  .strict();

/** The regions each geography's system inference profiles (`us.…`, `eu.…`) can be called from. */
const INFERENCE_PROFILE_SOURCE_REGIONS: Readonly<Record<string, RegExp>> = {
  us: /^us-(east|west)-\d$/,
  "us-gov": /^us-gov-/,
  eu: /^eu-/,
  apac: /^ap-/,
  jp: /^ap-northeast-[13]$/,
  au: /^ap-southeast-[24]$/,
  ca: /^ca-/,
  global: /^(?!us-gov-|cn-)/,
};

const environmentSettings = z
  .object({
    region,
    accountId,
    namePrefix: z.string().regex(/^[a-z][a-z0-9-]{1,19}$/, { error: "lower-case letters, digits and dashes, 2 to 20 characters, starting with a letter" }),
    tags: z.record(z.string().regex(/^[\w.:/=+@ -]{1,128}$/), z.string().max(256)).default({}),
    logRetentionDays: z
      .number()
      .refine((n) => (LOG_RETENTION_DAYS as readonly number[]).includes(n), { error: `one of ${LOG_RETENTION_DAYS.join(", ")}` }),
    alarmEmail: z.email({ error: "an e-mail address" }).optional(),
    /** Remote state: an S3 bucket with native lock files (Terraform >= 1.10). Without it, state is local. */
    backend: z
      .object({ bucket: z.string().min(3), region, keyPrefix: z.string().default("cloud-security-platform"), kmsKeyId: z.string().optional() })
      .strict()
      .optional(),
    cspm: z
      .object({
        auditSchedule: scheduleExpression,
        auditRegions: z.array(region).min(1),
        concurrency: z.number().int().min(1).max(64),
        apiThrottle: z.object({ rateLimit: z.number().positive().max(10000), burstLimit: z.number().int().positive().max(5000) }).strict(),
        /** OPA Data API base URL; when set, bucket configurations are also judged by OPA. */
        opaUrl: z.url({ protocol: /^https?$/, error: "an http(s) URL" }).optional(),
        /**
         * Caps parallel S3 audits (a burst of bucket changes shares the account's S3 and Security Hub
         * request rates). Unset by default: reserving concurrency fails in accounts whose Lambda
         * quota is still the new-account 10.
         */
        auditorReservedConcurrency: z.number().int().min(1).max(100).optional(),
        /** Run the S3 auditor in a VPC (for a private MongoDB). */
        vpc: vpc.optional(),
        /**
         * API Gateway writes access logs only when the account's API Gateway CloudWatch role is set.
         * That is an account-wide singleton: let exactly one stack in the account manage it.
         */
        manageApiGatewayAccountRole: z.boolean().default(false),
      })
      .strict(),
    roleVending: z
      .object({
        /** Longest grant of any tier, hours (a tier's own limit is capped by it). */
        maxSessionHours: z.number().min(0.25).max(36),
        cleanupSchedule: scheduleExpression,
        /** When the daily active-grant report is written. */
        reportSchedule: scheduleExpression.default("cron(0 6 * * ? *)"),
        tiers: z
          .object(
            Object.fromEntries(
              TIERS.map((t) => [
                t,
                z
                  .object({
                    /** Approvals before the role is created: 0 or 1. */
                    approvals: z.number().int().min(0).max(1),
                    maxDurationHours: z.number().min(0.25).max(36),
                  })
                  .strict(),
              ]),
            ) as Record<(typeof TIERS)[number], z.ZodObject<{ approvals: z.ZodNumber; maxDurationHours: z.ZodNumber }>>,
          )
          .strict()
          .refine((t) => t["break-glass"].approvals === 0, { error: "break-glass must need 0 approvals: it has to work when nobody is awake", path: ["break-glass", "approvals"] }),
        /** IAM users or roles allowed to approve (ARNs). */
        approvers: z.array(z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:(user|role)\/[\w+=,.@/-]+$/, { error: "IAM user or role ARNs" })).default([]),
        /** An IAM group whose members may approve. */
        approverGroup: z.string().regex(/^[\w+=,.@-]{1,128}$/, { error: "an IAM group name" }).optional(),
        /** An IAM group whose members may read, list and revoke every grant. */
        adminGroup: z.string().regex(/^[\w+=,.@-]{1,128}$/, { error: "an IAM group name" }).optional(),
        /** An unanswered request expires after this many minutes. */
        approvalExpiryMinutes: z.number().int().min(5).max(7 * 24 * 60).default(60),
        /** Networks grants default to, and the only source IPs the API's resource policy accepts. */
        allowedCidrs: z.array(cidr).min(1),
        /** Projects a grant may name. */
        projects: z.array(projectId).min(1),
        apiThrottle: z.object({ rateLimit: z.number().positive().max(10000), burstLimit: z.number().int().positive().max(5000) }).strict().default({ rateLimit: 20, burstLimit: 40 }),
        /** Caps the AssumeRole-event function. Unset by default (reserving fails in accounts at the new-account quota of 10). */
        eventsReservedConcurrency: z.number().int().min(1).max(50).optional(),
      })
      .strict()
      .refine((r) => r.approvers.length > 0 || r.approverGroup !== undefined || Object.values(r.tiers).every((t) => t.approvals === 0), {
        error: "a tier needs approvals but neither approvers nor approverGroup is set",
        path: ["approvers"],
      }),
    credentials: z
      .object({
        /** Days between automatic rotations (Secrets Manager allows 1 to 1000; we cap at a year). */
        rotationDays: z.number().int().min(1).max(365).default(90),
        /** Secret names; default avesa/<engine>/<env>, as the pipeline's scripts expect. */
        secretNames: z
          .object({ clickhouse: secretName.optional(), postgres: secretName.optional() })
          .strict()
          .default({}),
        /** Roles that may read the secrets' values (applications, an RDS Proxy). */
        readerRoleArns: z.array(roleArn).max(20).default([]),
        /** Roles besides the stack's operator role that may store, roll back and rotate them. */
        operatorRoleArns: z.array(roleArn).max(20).default([]),
        /** The admin secret PostgreSQL's alternating-users rotation logs in with (omit for single user). */
        postgresMasterSecretArn: z.string().regex(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/, { error: "a Secrets Manager secret ARN" }).optional(),
        /** Private databases: the rotation function's VPC; with vpcId, a Secrets Manager interface endpoint too. */
        vpc: vpc.extend({ vpcId: z.string().regex(/^vpc-[0-9a-f]+$/, { error: "a VPC id such as vpc-0abc" }).optional() }).optional(),
        /** Caps concurrent rotations. Unset by default (reserving fails in accounts at the new-account quota of 10). */
        reservedConcurrency: z.number().int().min(1).max(10).optional(),
      })
      .strict(),
    auroraIam: z
      .object({
        databaseName: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, { error: "a PostgreSQL identifier" }),
        /** Aurora PostgreSQL version: the 15 line the migrations are tested on (PostgreSQL 15). Major upgrades stay off. */
        engineVersion: z.string().regex(/^15\.\d+$/, { error: "an Aurora PostgreSQL 15 version such as 15.10" }),
        instanceClass: z.string().regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, { error: "an RDS instance class such as db.t4g.medium" }),
        /** One writer plus readers; two or more keep the database up when a zone fails. */
        instances: z.number().int().min(1).max(15),
        backupRetentionDays: z.number().int().min(7, { error: "at least 7 days" }).max(35, { error: "at most 35 days" }),
        /** A new VPC with private subnets only, one per zone. Zones are settings: an offline plan cannot look them up. */
        vpc: z
          .object({
            cidrBlock: z.string().regex(/^(\d{1,3}\.){3}\d{1,3}\/(1[6-9]|2[0-4])$/, { error: "an IPv4 CIDR block from /16 to /24, such as 10.40.0.0/16" }),
            availabilityZones: z
              .array(z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d[a-z]$/, { error: "availability zones such as eu-west-1a" }))
              .min(2, { error: "at least two availability zones" })
              .max(6),
          })
          .strict()
          .optional(),
        /**
         * Or an existing VPC: subnets in at least two zones, with DNS support and hostnames enabled and
         * no Secrets Manager interface endpoint with private DNS yet (this stack creates one).
         */
        existingVpc: z
          .object({
            vpcId: z.string().regex(/^vpc-[0-9a-f]+$/, { error: "a VPC id such as vpc-0abc" }),
            subnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]+$/, { error: "subnet ids such as subnet-0abc" })).min(2, { error: "subnets in at least two zones" }),
          })
          .strict()
          .optional(),
        /** Caps concurrent writers, and so connections to the proxy. Unset: no reservation (new accounts have a quota of 10). */
        writerReservedConcurrency: z.number().int().min(1).max(1000).optional(),
      })
      .strict()
      .refine((a) => (a.vpc === undefined) !== (a.existingVpc === undefined), { error: "exactly one of vpc (a new VPC) or existingVpc", path: ["vpc"] }),
    redshiftAgent: z
      .object({
        /** IAM users joined to RedshiftAgentUsers-<env> (non-exclusively: users added with the CLI stay). */
        allowedUsers: z.array(z.string().regex(/^[\w+=,.@-]{1,64}$/, { error: "IAM user names" })).default([]),
        /**
         * A Bedrock model id, inference profile id or ARN: free text then goes to that model through the
         * Converse API (the role may invoke only it). Unset: the deterministic parser reads free text.
         */
        bedrockModelId: z
          .string()
          .regex(/^(arn:aws[a-z-]*:bedrock:[a-z0-9-]+:\d{0,12}:(foundation-model|inference-profile|application-inference-profile)\/[\w.:/-]+|[a-z0-9-]+(\.[\w-]+)+(:\d+)?(:[\w]+)?)$/, {
            error: "a Bedrock model id such as anthropic.claude-3-haiku-20240307-v1:0, an inference profile id such as us.anthropic.claude-3-haiku-20240307-v1:0, or its ARN",
          })
          .optional(),
        /** Tool calls one model conversation may make. */
        bedrockMaxToolCalls: z.number().int().min(1).max(20).default(4),
        /** Record every invocation (who, when) as CloudTrail data events in an encrypted private bucket. */
        cloudTrailDataEvents: z
          .object({ retentionDays: z.number().int().min(1).max(3650).default(365) })
          .strict()
          .optional(),
        /** Caps concurrent executions (needs an account Lambda quota above 10 + this). */
        reservedConcurrency: z.number().int().min(1).max(100).default(5),
        timeoutSeconds: z.number().int().min(10).max(900).default(60),
      })
      .strict(),
  })
  .strict()
  .superRefine((settings, ctx) => {
    const modelId = settings.redshiftAgent?.bedrockModelId;
    const geography = modelId === undefined ? undefined : /^(us-gov|us|eu|apac|jp|au|ca|global)\./.exec(modelId)?.[1];
    if (geography && !INFERENCE_PROFILE_SOURCE_REGIONS[geography].test(settings.region)) {
      ctx.addIssue({
        code: "custom",
        path: ["redshiftAgent", "bedrockModelId"],
        input: modelId,
        message: `an inference profile callable from ${settings.region}: "${geography}." profiles exist only in their geography's regions (use the ${settings.region.split("-")[0]} one, or a model id)`,
      });
    }
  });

export type EnvironmentSettings = z.infer<typeof environmentSettings>;
export type RawSettings = Record<EnvironmentName, z.input<typeof environmentSettings>>;

export interface AppConfig extends EnvironmentSettings {
  readonly environment: EnvironmentName;
  /**
   * Offline mode: the AWS provider skips credential, account and metadata checks and uses dummy
   * keys, so `terraform plan` runs without AWS. Only `npm run plan` turns it on, and it synthesises
   * into its own folder, never into the one `cdktf deploy` reads.
   */
  readonly offline: boolean;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

function describeIssue(environment: string, issue: z.core.$ZodIssue): string {
  const key = ["environments", environment, ...issue.path.map(String)].join(".");
  if (issue.code === "unrecognized_keys") return `Unknown setting ${key}.${issue.keys.join(", ")}: remove it or check its spelling.`;
  if (issue.code === "invalid_type" && issue.input === undefined) return `Missing setting ${key}: expected ${issue.expected}.`;
  const got = issue.input === undefined ? "" : `, got ${JSON.stringify(issue.input)}`;
  return `Invalid setting ${key}: expected ${issue.message}${got}.`;
}

export interface LoadOptions {
  /** Environment name; defaults to PLATFORM_ENV, then cdktf context `env`, then dev. */
  readonly environment?: string;
  /** Settings to validate; defaults to PLATFORM_SETTINGS_FILE (a JSON file) or stacks/settings.ts. */
  readonly settings?: unknown;
  readonly offline?: boolean;
}

export function loadConfig(options: LoadOptions = {}): AppConfig {
  const environment = options.environment ?? process.env.PLATFORM_ENV ?? "dev";
  if (!(ENVIRONMENTS as readonly string[]).includes(environment)) {
    throw new ConfigError(`Unknown environment "${environment}": PLATFORM_ENV (or context env) must be one of ${ENVIRONMENTS.join(", ")}.`);
  }
  const all = (options.settings ?? readSettingsFile() ?? SETTINGS) as Record<string, unknown>;
  if (!all || typeof all !== "object" || !(environment in all)) {
    throw new ConfigError(`Missing settings for environment ${environment}: add environments.${environment}.`);
  }
  const parsed = environmentSettings.safeParse(all[environment], { reportInput: true });
  if (!parsed.success) throw new ConfigError(describeIssue(environment, parsed.error.issues[0]));
  return { ...parsed.data, environment: environment as EnvironmentName, offline: options.offline ?? process.env.PLATFORM_OFFLINE === "1" };
}

function readSettingsFile(): unknown {
  const path = process.env.PLATFORM_SETTINGS_FILE;
  if (!path) return undefined;
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new ConfigError(`Cannot read PLATFORM_SETTINGS_FILE ${path}: ${(error as Error).message}`);
  }
}
