/**
 * Test support for role vending: dynalite (a real DynamoDB API server) with the grant table, an
 * in-memory IAM stand-in behind aws-sdk-client-mock (roles, inline policies, quota), and the
 * dependency bundle the cores take.
 */
import type { AddressInfo } from "node:net";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  CreateRoleCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  GetAccountSummaryCommand,
  GetGroupCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  ListRolesCommand,
  PutRolePolicyCommand,
} from "@aws-sdk/client-iam";
import { NoSuchEntityException, EntityAlreadyExistsException } from "@aws-sdk/client-iam";
import { mockClient } from "aws-sdk-client-mock";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { GrantStore, tableDefinition } from "../../../functions/shared/role-vending/grant-store";
import { recordingMetrics, type VendorDeps } from "../../../functions/shared/role-vending/deps";
import type { RoleVendingEnv, Tier } from "../../../functions/shared/contracts/role-vending-api";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require("dynalite") as (options: { createTableMs?: number; deleteTableMs?: number; updateTableMs?: number }) => import("node:http").Server;

export const ACCOUNT = "111111111111";
export const PREFIX = "csp-test";
export const ALICE = `arn:aws:iam::${ACCOUNT}:user/alice`;
export const BOB = `arn:aws:iam::${ACCOUNT}:user/bob`;
export const CAROL = `arn:aws:iam::${ACCOUNT}:user/carol`;
export const TEMPLATE_DIR = join(__dirname, "..", "..", "..", "stacks", "role-vending", "templates");

export interface Dynalite {
  readonly client: DynamoDBClient;
  readonly endpoint: string;
  store(table?: string): Promise<GrantStore>;
  stop(): Promise<void>;
}

let tableCounter = 0;

/** Starts dynalite on an ephemeral port; `store()` creates a fresh grant table and returns its store. */
export async function startDynalite(): Promise<Dynalite> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({ endpoint, region: "eu-west-1", credentials: { accessKeyId: "dynalite", secretAccessKey: "dynalite" }, maxAttempts: 3 });
  return {
    client,
    endpoint,
    async store(table = `grants-${process.pid}-${++tableCounter}`) {
      await client.send(new CreateTableCommand(tableDefinition(table)));
      return new GrantStore(client, table);
    },
    async stop() {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface StandInRole {
  name: string;
  path: string;
  arn: string;
  trust: string;
  boundary?: string;
  maxSessionDuration?: number;
  tags: Record<string, string>;
  inline: Map<string, string>;
  attached: Set<string>;
  createdAt: Date;
}

const noSuch = (what: string) => new NoSuchEntityException({ message: `${what} cannot be found.`, $metadata: {} });

/**
 * IAM as a small in-memory service: roles with their trust policy, boundary, tags and inline
 * policies. `latencyMs` delays every call (the bench injects 50 ms); `calls` counts them.
 */
export function iamStandIn(options: { latencyMs?: number; quota?: number; groups?: Record<string, string[]> } = {}) {
  const mock = mockClient(IAMClient);
  const roles = new Map<string, StandInRole>();
  const counter = { calls: 0 };
  const delay = () => (options.latencyMs ? new Promise((r) => setTimeout(r, options.latencyMs)) : Promise.resolve());
  const role = (name: string | undefined) => {
    const r = roles.get(name ?? "");
    if (!r) throw noSuch(`The role with name ${name}`);
    return r;
  };
  const wrap = <I, O>(fn: (input: I) => O) => async (input: I) => {
    counter.calls += 1;
    await delay();
    return fn(input);
  };
  mock.on(CreateRoleCommand).callsFake(
    wrap((i: any) => {
      if (roles.has(i.RoleName)) throw new EntityAlreadyExistsException({ message: `Role with name ${i.RoleName} already exists.`, $metadata: {} });
      const arn = `arn:aws:iam::${ACCOUNT}:role${i.Path ?? "/"}${i.RoleName}`;
      roles.set(i.RoleName, {
        name: i.RoleName,
        path: i.Path ?? "/",
        arn,
        trust: i.AssumeRolePolicyDocument,
        boundary: i.PermissionsBoundary,
        maxSessionDuration: i.MaxSessionDuration,
        tags: Object.fromEntries((i.Tags ?? []).map((t: any) => [t.Key, t.Value])),
        inline: new Map(),
        attached: new Set(),
        createdAt: new Date(),
      });
      return { Role: { RoleName: i.RoleName, Arn: arn, Path: i.Path, RoleId: "AROATEST", CreateDate: new Date() } };
    }),
  );
  mock.on(PutRolePolicyCommand).callsFake(wrap((i: any) => (role(i.RoleName).inline.set(i.PolicyName, i.PolicyDocument), {})));
  mock.on(ListRolePoliciesCommand).callsFake(wrap((i: any) => ({ PolicyNames: [...role(i.RoleName).inline.keys()] })));
  mock.on(DeleteRolePolicyCommand).callsFake(
    wrap((i: any) => {
      if (!role(i.RoleName).inline.delete(i.PolicyName)) throw noSuch(`The role policy with name ${i.PolicyName}`);
      return {};
    }),
  );
  mock.on(ListAttachedRolePoliciesCommand).callsFake(wrap((i: any) => ({ AttachedPolicies: [...role(i.RoleName).attached].map((PolicyArn) => ({ PolicyArn })) })));
  mock.on(DetachRolePolicyCommand).callsFake(wrap((i: any) => (role(i.RoleName).attached.delete(i.PolicyArn), {})));
  mock.on(DeleteRoleCommand).callsFake(
    wrap((i: any) => {
      const r = role(i.RoleName);
      if (r.inline.size > 0 || r.attached.size > 0) throw Object.assign(new Error("Cannot delete entity, must delete policies first."), { name: "DeleteConflict" });
      roles.delete(i.RoleName);
      return {};
    }),
  );
  mock.on(ListRolesCommand).callsFake(
    wrap((i: any) => ({
      Roles: [...roles.values()].filter((r) => r.path.startsWith(i.PathPrefix ?? "/")).map((r) => ({ RoleName: r.name, Arn: r.arn, Path: r.path, RoleId: "AROATEST", CreateDate: r.createdAt })),
      IsTruncated: false,
    })),
  );
  mock.on(GetAccountSummaryCommand).callsFake(wrap(() => ({ SummaryMap: { Roles: roles.size + 10, RolesQuota: options.quota ?? 1000 } })));
  mock.on(GetGroupCommand).callsFake(
    wrap((i: any) => {
      const users = options.groups?.[i.GroupName];
      if (!users) throw noSuch(`The group with name ${i.GroupName}`);
      return { Group: { GroupName: i.GroupName }, Users: users.map((Arn) => ({ Arn, UserName: Arn.split("/").pop() })), IsTruncated: false };
    }),
  );
  return { mock, roles, counter, client: new IAMClient({ region: "eu-west-1", credentials: { accessKeyId: "test", secretAccessKey: "test" } }) };
}

export function readTemplate(tier: Tier): string {
  return readFileSync(join(TEMPLATE_DIR, `${tier}.json`), "utf8");
}

export const TEST_CONFIG: Pick<
  RoleVendingEnv,
  "ACCOUNT_ID" | "AWS_REGION" | "NAME_PREFIX" | "TIERS" | "APPROVERS" | "APPROVER_GROUP" | "ADMIN_GROUP" | "APPROVAL_EXPIRY_MINUTES" | "DEFAULT_CIDRS" | "PROJECTS"
> = {
  ACCOUNT_ID: ACCOUNT,
  AWS_REGION: "eu-west-1",
  NAME_PREFIX: PREFIX,
  TIERS: {
    "read-only": { approvals: 0, maxDurationMinutes: 2160 },
    developer: { approvals: 0, maxDurationMinutes: 2160 },
    admin: { approvals: 1, maxDurationMinutes: 720 },
    "break-glass": { approvals: 0, maxDurationMinutes: 240 },
  },
  APPROVERS: [BOB],
  APPROVER_GROUP: "",
  ADMIN_GROUP: "",
  APPROVAL_EXPIRY_MINUTES: 60,
  DEFAULT_CIDRS: ["203.0.113.0/24"],
  PROJECTS: ["payments", "search"],
};

/** A silent logger that keeps what was logged. */
export function memoryLogger() {
  const lines: { level: string; message: string; extra?: unknown }[] = [];
  const at = (level: string) => (message: string, extra?: unknown) => void lines.push({ level, message, extra });
  return { lines, info: at("info"), warn: at("warn"), error: at("error") } as unknown as VendorDeps["logger"] & { lines: typeof lines };
}

/** The cores' dependencies over dynalite and the IAM stand-in; the clock is settable. */
export function vendorDeps(store: GrantStore, iam: IAMClient, overrides: Partial<VendorDeps> = {}) {
  const clock = { now: new Date("2030-01-01T09:00:00Z") };
  const notifications: { subject: string; message: string }[] = [];
  const metrics = recordingMetrics();
  const logger = memoryLogger();
  const deps: VendorDeps = {
    config: TEST_CONFIG,
    store,
    iam,
    templates: { get: async (tier) => readTemplate(tier) },
    notifyApprovers: async (subject, message) => void notifications.push({ subject, message }),
    isGroupMember: async () => false,
    metrics,
    logger,
    now: () => clock.now,
    ...overrides,
  };
  return { deps, clock, notifications, metrics, logger };
}
