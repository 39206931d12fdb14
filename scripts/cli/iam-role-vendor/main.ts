/**
 * `iam-role-vendor`: request, inspect, approve, deny and revoke temporary IAM role grants, and
 * turn a grant into credentials (env, AWS config profile, JSON, credential_process) or a console
 * sign-in URL. Exit codes: 0 done, 1 failed (API, AWS), 2 bad input, 3 not allowed, 4 not found,
 * 5 rate-limited.
 */
import { createInterface } from "node:readline/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { fromNodeProviderChain } from "@aws-sdk/credential-providers";
import type { AwsCredentialIdentity } from "@smithy/types";
import {
  cidr,
  createGrantRequest,
  GRANT_STATUSES,
  grantId as grantIdSchema,
  MAX_DURATION_MINUTES,
  MIN_DURATION_MINUTES,
  REPORT_KEYS,
  reportSchema,
  TIERS,
  type Grant,
} from "../../../functions/shared/contracts/role-vending-api";
import { ApiError, RoleVendingClient } from "./client";
import { assumeGrantRole, CliError, defaultCacheDir, defaultSts, grantCacheName, grantCredentials, mfaSession, PrivateCache, toIdentity, type SessionDeps } from "./credentials";
import { credentialProcessFormat, envFormat, grantsTable, grantText, jsonFormat, OUTPUT_FORMATS, progressReporter, style, writeAwsConfigProfile, type OutputFormat } from "./output";

export interface CliIo {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
  readonly fetch?: typeof fetch;
  readonly sts?: SessionDeps["sts"];
  readonly s3?: (region: string, credentials: AwsCredentialIdentity) => S3Client;
  readonly baseCredentials?: () => Promise<AwsCredentialIdentity>;
  readonly now?: () => Date;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly prompt?: (question: string) => Promise<string>;
}

/** `90m`, `4h`, `1h30m` → minutes, within 15 minutes and 36 hours. */
export function parseDuration(text: string): number {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?$/.exec(text.trim());
  if (!m || (m[1] === undefined && m[2] === undefined)) throw new InvalidArgumentError("use minutes or hours such as 90m, 4h or 1h30m.");
  const minutes = Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0);
  if (minutes < MIN_DURATION_MINUTES || minutes > MAX_DURATION_MINUTES) throw new InvalidArgumentError(`must be between ${MIN_DURATION_MINUTES}m and ${MAX_DURATION_MINUTES / 60}h.`);
  return minutes;
}

function collectCidr(value: string, previous: string[] = []): string[] {
  if (!cidr.safeParse(value).success) throw new InvalidArgumentError(`${value} is not a CIDR such as 203.0.113.0/24.`);
  return [...previous, value];
}

function grantIdArg(value: string): string {
  if (!grantIdSchema.safeParse(value).success) throw new InvalidArgumentError(`${value} is not a grant id such as g-0123456789abcdef0123.`);
  return value;
}

const exitCodeOf = (e: ApiError) => (e.status === 400 || e.status === 413 ? 2 : e.status === 401 || e.status === 403 || e.status === 409 ? 3 : e.status === 404 ? 4 : e.status === 429 ? 5 : 1);

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const env = io.env;
  const now = io.now ?? (() => new Date());
  const sleep = io.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const out = (s: string): void => void io.stdout.write(s);
  const program = new Command("iam-role-vendor")
    .description("Temporary IAM roles: request, approve, assume and revoke time-boxed grants.")
    .addOption(new Option("--api-url <url>", "role-vending API stage URL").env("IAM_ROLE_VENDOR_API_URL"))
    .addOption(new Option("--region <region>", "AWS region of the API").env("AWS_REGION"))
    .addOption(new Option("--mfa-serial <arn>", "your MFA device ARN (default: arn:aws:iam::<account>:mfa/<you>)").env("IAM_ROLE_VENDOR_MFA_SERIAL"))
    .option("--mfa-code <code>", "the current 6-digit MFA code (asked for when needed and not given)")
    .addOption(new Option("--cache-dir <dir>", "where sessions are cached (readable by you alone)").env("IAM_ROLE_VENDOR_CACHE_DIR"))
    .option("--wait-seconds <seconds>", "how long to wait for IAM to make a new role assumable", (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 600) throw new InvalidArgumentError("give whole seconds from 0 to 600.");
      return n;
    }, 60)
    .option("--no-color", "never colour the output")
    .exitOverride()
    .configureOutput({ writeOut: out, writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError(false);

  const globals = () => program.opts<{ apiUrl?: string; region?: string; mfaSerial?: string; mfaCode?: string; cacheDir?: string; waitSeconds: number; color: boolean }>();
  const waiting = () => ({ propagationTimeoutMs: globals().waitSeconds * 1000 });
  const colour = () => globals().color && Boolean(io.stdout.isTTY) && !env.NO_COLOR;
  const progress = progressReporter(io.stderr);
  const region = () => {
    const r = globals().region ?? env.AWS_DEFAULT_REGION;
    if (!r) throw new CliError("No region: give --region or set AWS_REGION.", 2);
    return r;
  };
  const sessionDeps = (): SessionDeps => ({
    sts: io.sts ?? defaultSts(region()),
    baseCredentials: io.baseCredentials ?? fromNodeProviderChain(),
    cache: new PrivateCache(globals().cacheDir ?? defaultCacheDir(env)),
    now,
    sleep,
    progress: (m) => progress.update(m),
  });
  const prompt =
    io.prompt ??
    (process.stdin.isTTY
      ? async (q: string) => {
          const rl = createInterface({ input: process.stdin, output: io.stderr });
          try {
            return await rl.question(q);
          } finally {
            rl.close();
          }
        }
      : undefined);
  const mfa = () => ({ mfaSerial: globals().mfaSerial, mfaCode: globals().mfaCode, prompt });
  const api = async () => {
    const url = globals().apiUrl;
    if (!url) throw new CliError("No API URL: give --api-url or set IAM_ROLE_VENDOR_API_URL (the stack's roleVendingApiUrl output).", 2);
    const deps = sessionDeps();
    const session = await mfaSession(deps, mfa());
    return { client: new RoleVendingClient({ endpoint: url, region: region(), credentials: toIdentity(session.credentials), fetch: io.fetch }), deps, session };
  };
  const printGrant = (g: Grant, format: string): void => void out(format === "json" ? JSON.stringify({ grant: g }, null, 2) + "\n" : grantText(g, style(colour())));
  const credentialProcessCommand = (id: string) =>
    ["iam-role-vendor", "credential-process", "--grant-id", id, "--api-url", globals().apiUrl!, "--region", region(), ...(globals().mfaSerial ? ["--mfa-serial", globals().mfaSerial!] : [])].join(" ");

  program
    .command("request-role")
    .description("Request a grant; when no approval is needed, assume the role and print credentials")
    .requiredOption("--project-id <id>", "project from the allow-list")
    .addOption(new Option("--permission-tier <tier>", "permission tier").choices(TIERS).makeOptionMandatory())
    .requiredOption("--duration <duration>", "how long, e.g. 90m or 4h (15m to 36h)", parseDuration)
    .requiredOption("--reason <text>", "why you need access (at least 10 characters)")
    .option("--start <iso>", "start later, e.g. 2030-01-01T09:00:00Z (default now)")
    .option("--cidr <cidr>", "a network you will work from (repeatable; default from settings)", collectCidr)
    .addOption(new Option("--output-format <format>", "how to print the credentials").choices(OUTPUT_FORMATS).default("env"))
    .option("--profile-name <name>", "profile name for --output-format aws-config (default vend-<project>-<tier>)")
    .action(async (o: { projectId: string; permissionTier: string; duration: number; reason: string; start?: string; cidr?: string[]; outputFormat: OutputFormat; profileName?: string }) => {
      const body = createGrantRequest.safeParse({ projectId: o.projectId, tier: o.permissionTier, durationMinutes: o.duration, reason: o.reason, start: o.start, cidrs: o.cidr });
      if (!body.success) throw new CliError(body.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "), 2);
      const { client, deps, session } = await api();
      const grant = await client.createGrant(body.data);
      if (grant.status === "PENDING_APPROVAL") {
        io.stderr.write(`Grant ${grant.id} waits for approval (approvers were notified; it expires unanswered at ${grant.approvalExpiresAt}).\n`);
        io.stderr.write(`When approved: iam-role-vendor check-status ${grant.id}, then credentials with iam-role-vendor credential-process --grant-id ${grant.id}\n`);
        printGrant(grant, o.outputFormat === "json" ? "json" : "text");
        return;
      }
      await emitCredentials(grant, o.outputFormat, o.profileName, deps, session);
    });

  async function emitCredentials(grant: Grant, format: OutputFormat, profileName: string | undefined, deps: SessionDeps, session: Awaited<ReturnType<typeof mfaSession>>): Promise<void> {
    if (format === "aws-config") {
      const file = env.AWS_CONFIG_FILE ?? join(homedir(), ".aws", "config");
      const profile = profileName ?? `vend-${grant.projectId}-${grant.tier}`;
      const section = writeAwsConfigProfile(file, profile, credentialProcessCommand(grant.id), region());
      out(section);
      io.stderr.write(`Wrote profile ${profile} to ${file}; use: aws --profile ${profile} sts get-caller-identity\n`);
      return;
    }
    if (Date.parse(grant.start) > now().getTime() + 5000) {
      // The trust policy admits nobody before the start: there is nothing to assume yet.
      io.stderr.write(`Grant ${grant.id} starts at ${grant.start}; then run: iam-role-vendor credential-process --grant-id ${grant.id}\n`);
      printGrant(grant, format === "json" ? "json" : "text");
      return;
    }
    const credentials = await assumeGrantRole(deps, session, grant, waiting());
    progress.done();
    deps.cache.write(grantCacheName(grant.id), { grantId: grant.id, end: grant.end, credentials });
    out(format === "env" ? envFormat(credentials) : format === "json" ? jsonFormat(grant, credentials) : credentialProcessFormat(credentials));
  }

  program
    .command("credential-process")
    .description("Print credential_process JSON for a grant (cached; re-vended near expiry until the grant ends)")
    .requiredOption("--grant-id <id>", "the grant", grantIdArg)
    .action(async (o: { grantId: string }) => {
      const deps = sessionDeps();
      let client: RoleVendingClient | undefined;
      const fetchGrant = async () => (client ??= (await api()).client).getGrant(o.grantId);
      const { credentials } = await grantCredentials(deps, o.grantId, fetchGrant, { ...mfa(), prompt: undefined }, waiting());
      progress.done();
      out(credentialProcessFormat(credentials));
    });

  program
    .command("check-status")
    .description("Show a grant")
    .argument("<grant-id>", "the grant", grantIdArg)
    .addOption(new Option("--output <format>", "text or json").choices(["text", "json"]).default("text"))
    .action(async (id: string, o: { output: string }) => printGrant(await (await api()).client.getGrant(id), o.output));

  program
    .command("list-sessions")
    .description("List your grants (approvers and admins: --user or --status for others)")
    .option("--user <arn>", "another user's principal ARN (approvers and admins)")
    .addOption(new Option("--status <status>", "only this status").choices(GRANT_STATUSES))
    .addOption(new Option("--tier <tier>", "only this tier").choices(TIERS))
    .addOption(new Option("--output <format>", "table or json").choices(["table", "json"]).default("table"))
    .action(async (o: { user?: string; status?: (typeof GRANT_STATUSES)[number]; tier?: (typeof TIERS)[number]; output: string }) => {
      const grants = await (await api()).client.listGrants({ user: o.user, status: o.status, tier: o.tier });
      out(o.output === "json" ? JSON.stringify({ grants }, null, 2) + "\n" : grantsTable(grants, style(colour())));
    });

  program
    .command("revoke-session")
    .description("Revoke a grant now: older sessions are denied and the role is deleted")
    .argument("<grant-id>", "the grant", grantIdArg)
    .action(async (id: string) => {
      const grant = await (await api()).client.revoke(id);
      new PrivateCache(globals().cacheDir ?? defaultCacheDir(env)).remove(grantCacheName(id));
      printGrant(grant, "text");
    });

  program
    .command("approve")
    .description("Approve a pending request (approvers; never your own)")
    .argument("<grant-id>", "the grant", grantIdArg)
    .option("--reason <text>", "a note for the audit trail")
    .action(async (id: string, o: { reason?: string }) => printGrant(await (await api()).client.approve(id, o.reason), "text"));

  program
    .command("deny")
    .description("Deny a pending request (approvers)")
    .argument("<grant-id>", "the grant", grantIdArg)
    .requiredOption("--reason <text>", "why (shown to the requester)")
    .action(async (id: string, o: { reason: string }) => printGrant(await (await api()).client.deny(id, o.reason), "text"));

  program
    .command("console")
    .description("Print a console sign-in URL for a grant (AWS federation endpoint)")
    .argument("<grant-id>", "the grant", grantIdArg)
    .option("--destination <url>", "console page to open", "https://console.aws.amazon.com/")
    .action(async (id: string, o: { destination: string }) => {
      const { client, deps } = await api();
      const { credentials } = await grantCredentials(deps, id, () => client.getGrant(id), mfa(), waiting());
      progress.done();
      const session = JSON.stringify({ sessionId: credentials.AccessKeyId, sessionKey: credentials.SecretAccessKey, sessionToken: credentials.SessionToken });
      const federation = "https://signin.aws.amazon.com/federation";
      const response = await (io.fetch ?? fetch)(`${federation}?Action=getSigninToken&Session=${encodeURIComponent(session)}`);
      if (!response.ok) throw new CliError(`The federation endpoint refused the session (HTTP ${response.status}).`, 1);
      const { SigninToken } = (await response.json()) as { SigninToken?: string };
      if (!SigninToken) throw new CliError("The federation endpoint returned no sign-in token.", 1);
      out(`${federation}?Action=login&Issuer=iam-role-vendor&Destination=${encodeURIComponent(o.destination)}&SigninToken=${encodeURIComponent(SigninToken)}\n`);
    });

  program
    .command("report")
    .description("Print the latest daily active-grant report")
    .addOption(new Option("--bucket <name>", "the report bucket (the stack's roleVendingReportBucket output)").env("IAM_ROLE_VENDOR_REPORT_BUCKET"))
    .addOption(new Option("--format <format>", "table, json or csv").choices(["table", "json", "csv"]).default("table"))
    .action(async (o: { bucket?: string; format: string }) => {
      if (!o.bucket) throw new CliError("No report bucket: give --bucket or set IAM_ROLE_VENDOR_REPORT_BUCKET.", 2);
      const deps = sessionDeps();
      const session = await mfaSession(deps, mfa());
      const s3 = (io.s3 ?? ((r, c) => new S3Client({ region: r, credentials: c })))(region(), toIdentity(session.credentials));
      const key = o.format === "csv" ? REPORT_KEYS.latestCsv : REPORT_KEYS.latestJson;
      const got = await s3.send(new GetObjectCommand({ Bucket: o.bucket, Key: key }));
      const text = (await got.Body?.transformToString("utf-8")) ?? "";
      if (o.format !== "table") return void out(text.endsWith("\n") ? text : text + "\n");
      const report = reportSchema.parse(JSON.parse(text));
      out(`Report of ${report.generatedAt}: ${report.activeGrants.length} active grants${report.roleQuota ? `, ${report.roleQuota.roles}/${report.roleQuota.quota} IAM roles` : ""}\n`);
      out(grantsTable(report.activeGrants, style(colour())));
    });

  try {
    await program.parseAsync(argv, { from: "user" });
    return 0;
  } catch (error) {
    progress.done();
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof CliError) {
      io.stderr.write(`iam-role-vendor: ${error.message}\n`);
      return error.exitCode;
    }
    if (error instanceof ApiError) {
      io.stderr.write(`iam-role-vendor: ${error.message}${error.retryAfterSeconds ? ` (retry after ${error.retryAfterSeconds} s)` : ""} [${error.code}]\n`);
      return exitCodeOf(error);
    }
    io.stderr.write(`iam-role-vendor: ${(error as Error).name}: ${(error as Error).message}\n`);
    return 1;
  }
}

// Run when started directly or through the bin shim (whose path npx gives as node_modules/.bin/iam-role-vendor, so argv[1] cannot tell).
if (require.main === module || require.main?.filename.endsWith("iam-role-vendor.cjs")) {
  run(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env }).then((code) => process.exit(code));
}
