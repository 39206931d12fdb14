/**
 * Per-environment settings. Replace the account ids with yours (or point PLATFORM_SETTINGS_FILE at a
 * JSON file of the same shape). Validated by stacks/config.ts at every synth.
 */
import type { RawSettings } from "./config";

const common = {
  tags: { project: "cloud-security-platform", "managed-by": "cdktf" },
  roleVending: {
    maxSessionHours: 36,
    cleanupSchedule: "rate(5 minutes)",
    reportSchedule: "cron(0 6 * * ? *)",
    tiers: {
      "read-only": { approvals: 0, maxDurationHours: 36 },
      developer: { approvals: 0, maxDurationHours: 12 },
      admin: { approvals: 1, maxDurationHours: 8 },
      "break-glass": { approvals: 0, maxDurationHours: 4 },
    },
    approvers: [] as string[],
    approverGroup: "role-vending-approvers",
    adminGroup: "role-vending-admins",
    approvalExpiryMinutes: 60,
    // Replace with your office and VPN egress ranges (documentation range here).
    allowedCidrs: ["203.0.113.0/24"],
    projects: ["platform"],
  },
  credentials: { rotationDays: 90 },
  redshiftAgent: { allowedUsers: [] as string[], reservedConcurrency: 5, timeoutSeconds: 60 },
};

/** The Aurora database every environment runs: the PostgreSQL 15 line the migrations are tested on. */
const auroraIamDatabase = { databaseName: "platform", engineVersion: "15.10" };

export const SETTINGS: RawSettings = {
  dev: {
    ...common,
    region: "eu-west-1",
    accountId: "111111111111",
    namePrefix: "csp-dev",
    logRetentionDays: 30,
    auroraIam: {
      ...auroraIamDatabase,
      instanceClass: "db.t4g.medium",
      instances: 1,
      backupRetentionDays: 7,
      vpc: { cidrBlock: "10.40.0.0/16", availabilityZones: ["eu-west-1a", "eu-west-1b"] },
    },
    cspm: {
      auditSchedule: "rate(1 day)",
      auditRegions: ["eu-west-1"],
      concurrency: 16,
      apiThrottle: { rateLimit: 20, burstLimit: 40 },
      manageApiGatewayAccountRole: true,
    },
  },
  staging: {
    ...common,
    region: "eu-west-1",
    accountId: "222222222222",
    namePrefix: "csp-staging",
    logRetentionDays: 90,
    auroraIam: {
      ...auroraIamDatabase,
      instanceClass: "db.t4g.medium",
      instances: 2,
      backupRetentionDays: 14,
      vpc: { cidrBlock: "10.41.0.0/16", availabilityZones: ["eu-west-1a", "eu-west-1b"] },
      writerReservedConcurrency: 20,
    },
    redshiftAgent: { ...common.redshiftAgent, cloudTrailDataEvents: { retentionDays: 90 } },
    cspm: {
      auditSchedule: "rate(12 hours)",
      auditRegions: ["eu-west-1", "eu-central-1"],
      concurrency: 16,
      apiThrottle: { rateLimit: 50, burstLimit: 100 },
    },
  },
  prod: {
    ...common,
    region: "eu-west-1",
    accountId: "333333333333",
    namePrefix: "csp-prod",
    logRetentionDays: 365,
    redshiftAgent: { ...common.redshiftAgent, reservedConcurrency: 10, cloudTrailDataEvents: { retentionDays: 365 } },
    roleVending: { ...common.roleVending, eventsReservedConcurrency: 5 },
    credentials: { ...common.credentials, reservedConcurrency: 2 },
    alarmEmail: "security-alerts@example.com",
    auroraIam: {
      ...auroraIamDatabase,
      instanceClass: "db.r6g.large",
      instances: 2,
      backupRetentionDays: 35,
      vpc: { cidrBlock: "10.42.0.0/16", availabilityZones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"] },
      writerReservedConcurrency: 50,
    },
    cspm: {
      auditSchedule: "rate(6 hours)",
      auditRegions: ["eu-west-1", "eu-central-1", "us-east-1"],
      concurrency: 16,
      auditorReservedConcurrency: 2,
      apiThrottle: { rateLimit: 100, burstLimit: 200 },
    },
  },
};
