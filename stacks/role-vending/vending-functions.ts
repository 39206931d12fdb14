import { Construct } from "constructs";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { version } from "../../package.json";
import { TIERS, type RoleVendingEnv } from "../../functions/shared/contracts/role-vending-api";
import { boundaryPolicy, boundaryPolicyName, vendingPath, vendorIamStatements } from "../../functions/shared/iam-policy/role-vending";
import type { AppConfig } from "../config";
import { NodeFunction } from "../constructs/node-function";
import { EventTrigger } from "../constructs/event-trigger";
import { SecureQueue } from "../constructs/secure-queue";
import { policyDocument } from "../constructs/policy-document";
import type { SecureKmsKey } from "../constructs/kms-key";
import type { AlarmTopic } from "../constructs/alarm";
import type { GrantTable } from "./grant-table";
import type { VendingStorage } from "./vending-storage";

export interface VendingFunctionsProps {
  readonly config: AppConfig;
  readonly prefix: string;
  readonly kmsKey: SecureKmsKey;
  readonly alarmTopic: AlarmTopic;
  readonly table: GrantTable;
  readonly storage: VendingStorage;
}

type StackEnv = Omit<RoleVendingEnv, "AWS_REGION" | "TIERS" | "APPROVERS" | "DEFAULT_CIDRS" | "PROJECTS" | "APPROVAL_EXPIRY_MINUTES" | "GRANTS_TABLE">;

/**
 * The tier boundaries (managed policies under the vending path) and the four functions: the API
 * handler (the vendor: creates roles only under the path with a tier boundary), cleanup every few
 * minutes, CloudTrail AssumeRole events (the rule opts in to read-only management events), and the
 * daily report. Each role holds only what its function calls.
 */
export class VendingFunctions extends Construct {
  readonly api: NodeFunction;
  readonly cleanup: NodeFunction;
  readonly assumeEvents: NodeFunction;
  readonly report: NodeFunction;

  constructor(scope: Construct, id: string, props: VendingFunctionsProps) {
    super(scope, id);
    const { config, prefix, kmsKey, table, storage } = props;
    const rv = config.roleVending;
    const partition = "aws";
    for (const tier of TIERS) {
      new IamPolicy(this, `boundary-${tier}`, {
        name: boundaryPolicyName(config.namePrefix, tier),
        path: vendingPath(config.namePrefix),
        description: `Permissions boundary of vended ${tier} roles: no IAM identity or boundary changes, no Organizations, no disabling security services`,
        policy: JSON.stringify(boundaryPolicy(tier, prefix)),
      });
    }
    const env: StackEnv & Record<string, string> = {
      ACCOUNT_ID: config.accountId,
      NAME_PREFIX: config.namePrefix,
      TEMPLATE_BUCKET: storage.templates.name,
      REPORT_BUCKET: storage.reports.name,
      APPROVAL_TOPIC_ARN: storage.approvalTopic.arn,
      APPROVER_GROUP: rv.approverGroup ?? "",
      ADMIN_GROUP: rv.adminGroup ?? "",
    };
    const settingsEnv = {
      TIERS: JSON.stringify(Object.fromEntries(TIERS.map((t) => [t, { approvals: rv.tiers[t].approvals, maxDurationMinutes: Math.round(Math.min(rv.tiers[t].maxDurationHours, rv.maxSessionHours) * 60) }]))),
      APPROVERS: rv.approvers.join(","),
      DEFAULT_CIDRS: rv.allowedCidrs.join(","),
      PROJECTS: rv.projects.join(","),
      APPROVAL_EXPIRY_MINUTES: String(rv.approvalExpiryMinutes),
      POWERTOOLS_METRICS_NAMESPACE: "CloudSecurityPlatform/RoleVending",
      SERVICE_VERSION: version,
    };
    const make = (name: string, description: string, options: { async: boolean; timeoutSeconds: number; readOnly?: boolean; reservedConcurrency?: number }) => {
      const fn = new NodeFunction(this, name, {
        entry: `role-vending-${name}`,
        functionName: `${prefix}-${name}`,
        description,
        accountId: config.accountId,
        region: config.region,
        kmsKey,
        logRetentionDays: config.logRetentionDays,
        timeoutSeconds: options.timeoutSeconds,
        memorySize: 256,
        environment: { POWERTOOLS_SERVICE_NAME: `role-vending-${name}`, ...env, ...settingsEnv },
        onFailure: options.async ? props.alarmTopic : undefined,
        reservedConcurrency: options.reservedConcurrency,
      });
      if (options.readOnly) table.grantRead(fn);
      else table.grantReadWrite(fn);
      return fn;
    };
    const iam = vendorIamStatements({ accountId: config.accountId, namePrefix: config.namePrefix, partition, groupNames: [rv.approverGroup, rv.adminGroup].filter((g): g is string => g !== undefined) });
    const deletes = ["TagReadAndDeleteVendedRoles", "ListRolesAndQuota", "DenyRoleWritesWithoutTierBoundary", "DenyBoundaryRemoval", "DenyBoundaryPolicyEdits", "DenyPassRole"];
    // Events EventBridge could not deliver (after its retries) wait here to be redriven.
    const undelivered = new SecureQueue(this, "undelivered-events", { name: `${prefix}-undelivered-events`, kmsKey });
    const viaS3 = { StringEquals: { "kms:ViaService": `s3.${config.region}.amazonaws.com` } };

    // The API is invoked synchronously by API Gateway: no failure destination.
    this.api = make("api", "Role-vending API: grants, approvals, role creation and revocation", { async: false, timeoutSeconds: 25 });
    for (const s of iam) this.api.addToRolePolicy(s);
    this.api.addToRolePolicy({ Sid: "ReadTemplates", Effect: "Allow", Action: "s3:GetObject", Resource: `${storage.templates.arn}/templates/*` });
    this.api.addToRolePolicy({ Sid: "DecryptTemplates", Effect: "Allow", Action: "kms:Decrypt", Resource: kmsKey.arn, Condition: viaS3 });
    this.api.addToRolePolicy({ Sid: "NotifyApprovers", Effect: "Allow", Action: "sns:Publish", Resource: storage.approvalTopic.arn });
    this.api.addToRolePolicy({ Sid: "EncryptForApprovalTopic", Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: kmsKey.arn, Condition: { StringEquals: { "kms:ViaService": `sns.${config.region}.amazonaws.com` } } });

    this.cleanup = make("cleanup", "Role-vending cleanup: expires grants, deletes their roles and orphans, watches the role quota", { async: true, timeoutSeconds: 300 });
    for (const s of iam.filter((x) => deletes.includes(x.Sid ?? ""))) this.cleanup.addToRolePolicy(s);
    new EventTrigger(this, "cleanup-schedule", { name: `${prefix}-cleanup`, description: "Role-vending cleanup", target: this.cleanup, schedule: rv.cleanupSchedule, deadLetterQueue: undelivered });

    this.assumeEvents = make("assume-events", "Role-vending: CloudTrail AssumeRole events of vended roles (failed assumptions, break-glass use)", { async: true, timeoutSeconds: 30, reservedConcurrency: rv.eventsReservedConcurrency });
    const assumeRule = new EventTrigger(this, "assume-events-rule", {
      name: `${prefix}-assume-events`,
      description: "AssumeRole calls on vended roles (CloudTrail)",
      target: this.assumeEvents,
      deadLetterQueue: undelivered,
      eventPattern: {
        source: ["aws.sts"],
        "detail-type": ["AWS API Call via CloudTrail"],
        detail: { eventSource: ["sts.amazonaws.com"], eventName: ["AssumeRole"], requestParameters: { roleArn: [{ prefix: `arn:${partition}:iam::${config.accountId}:role${vendingPath(config.namePrefix)}` }] } },
      },
    });
    // AssumeRole is a read-only management event: EventBridge delivers those only to rules that opt in.
    assumeRule.rule.state = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS";

    this.report = make("report", "Role-vending daily active-grant report (JSON and CSV)", { async: true, timeoutSeconds: 120, readOnly: true });
    this.report.addToRolePolicy({ Sid: "ReadRoleQuota", Effect: "Allow", Action: "iam:GetAccountSummary", Resource: "*" });
    this.report.addToRolePolicy({ Sid: "WriteReports", Effect: "Allow", Action: "s3:PutObject", Resource: `${storage.reports.arn}/reports/*` });
    this.report.addToRolePolicy({ Sid: "EncryptReports", Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: kmsKey.arn, Condition: viaS3 });
    new EventTrigger(this, "report-schedule", { name: `${prefix}-report`, description: "Daily active-grant report", target: this.report, schedule: rv.reportSchedule, deadLetterQueue: undelivered });
  }

  /** A managed policy for people who request grants: read the reports. (Invoking the API is the API's invoke policy.) */
  static readReportsPolicy(scope: Construct, id: string, prefix: string, storage: VendingStorage, kmsKey: SecureKmsKey, region: string): IamPolicy {
    return new IamPolicy(scope, id, {
      name: `${prefix}-read-reports`,
      description: "Lets approvers and admins read the role-vending reports (iam-role-vendor report)",
      policy: policyDocument([
        { Sid: "ReadReports", Effect: "Allow", Action: "s3:GetObject", Resource: `${storage.reports.arn}/reports/*` },
        { Sid: "DecryptReports", Effect: "Allow", Action: "kms:Decrypt", Resource: kmsKey.arn, Condition: { StringEquals: { "kms:ViaService": `s3.${region}.amazonaws.com` } } },
      ]),
    });
  }
}
