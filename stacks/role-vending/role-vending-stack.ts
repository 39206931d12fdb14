import type { Construct } from "constructs";
import { TerraformOutput } from "cdktf";
import type { AppConfig } from "../config";
import { PlatformStack } from "../platform-stack";
import { Alarm } from "../constructs/alarm";
import { METRICS } from "../../functions/shared/contracts/role-vending-api";
import { GrantTable } from "./grant-table";
import { VendingApi } from "./vending-api";
import { VendingFunctions } from "./vending-functions";
import { VendingStorage } from "./vending-storage";

/**
 * Temporary IAM role vending: the grant table, templates, report bucket and approval topic, the
 * API (IAM auth, MFA and source-IP resource policy), the vendor, cleanup, AssumeRole-event and
 * report functions, tier boundaries, and alarms on break-glass, failed assumptions, cleanup errors
 * and the IAM role quota.
 */
export class RoleVendingStack extends PlatformStack {
  constructor(scope: Construct, config: AppConfig) {
    super(scope, "role-vending", config);
    const table = new GrantTable(this, "grants", { name: `${this.prefix}-grants`, kmsKey: this.kmsKey, region: config.region });
    const storage = new VendingStorage(this, "storage", { prefix: this.prefix, kmsKey: this.kmsKey });
    const fns = new VendingFunctions(this, "functions", { config, prefix: this.prefix, kmsKey: this.kmsKey, alarmTopic: this.alarmTopic, table, storage });
    const api = new VendingApi(this, "api", {
      name: `${this.prefix}-api`,
      handler: fns.api,
      accountId: config.accountId,
      kmsKey: this.kmsKey,
      logRetentionDays: config.logRetentionDays,
      allowedCidrs: config.roleVending.allowedCidrs,
      rateLimit: config.roleVending.apiThrottle.rateLimit,
      burstLimit: config.roleVending.apiThrottle.burstLimit,
    });
    const readReports = VendingFunctions.readReportsPolicy(this, "read-reports", this.prefix, storage, this.kmsKey, config.region);

    const metric = (id: string, metricName: string, fn: string, description: string, options: { threshold?: number; statistic?: string } = {}) =>
      new Alarm(this, id, { name: `${this.prefix}-${id}`, description, topic: this.alarmTopic, namespace: METRICS.namespace, metricName, dimensions: { service: METRICS.service, function: fn }, ...options });
    metric("break-glass-grant", METRICS.breakGlassGrants, "role-vending-api", "A break-glass grant was made: check who and why (the audit trail has the reason).");
    metric("break-glass-use", METRICS.breakGlassUses, "role-vending-assume-events", "A break-glass role was assumed.");
    metric("failed-assumptions", METRICS.failedAssumptions, "role-vending-assume-events", "A spike of failed AssumeRole calls on vended roles (stolen external id, wrong network, expired grant).", { threshold: 10 });
    metric("cleanup-errors", METRICS.cleanupErrors, "role-vending-cleanup", "Cleanup could not expire a grant or delete a role; the end-time deny still cuts access, but roles may pile up.");
    metric("role-quota", METRICS.roleQuotaUsedPercent, "role-vending-cleanup", "The account uses 80 % or more of its IAM role quota: raise the quota or clean up.", { threshold: 80, statistic: "Maximum" });
    for (const fn of [fns.api, fns.cleanup, fns.assumeEvents, fns.report]) Alarm.onFunctionErrors(this, `${fn.functionName}-errors`, fn, this.alarmTopic, `${fn.functionName} failed (unhandled error or timeout).`);

    new TerraformOutput(this, "roleVendingApiUrl", { value: api.url, description: "IAM_ROLE_VENDOR_API_URL for the iam-role-vendor CLI" });
    new TerraformOutput(this, "roleVendingInvokePolicyArn", { value: api.invokePolicy.arn, description: "Attach to people and groups who request or approve grants" });
    new TerraformOutput(this, "roleVendingReadReportsPolicyArn", { value: readReports.arn, description: "Attach to approvers and admins who read reports" });
    new TerraformOutput(this, "grantsTableName", { value: table.table.name, description: "The grant table (DynamoDB)" });
    new TerraformOutput(this, "roleVendingReportBucket", { value: storage.reports.name, description: "IAM_ROLE_VENDOR_REPORT_BUCKET for iam-role-vendor report" });
    new TerraformOutput(this, "approvalTopicArn", { value: storage.approvalTopic.arn, description: "Approvers subscribe here (e-mail or chat) to hear about pending requests" });
  }
}
