/**
 * IAM actions that support no resource-level permissions (the Service Authorization Reference lists
 * no resource type for them), so `"Resource": "*"` is the only way to grant them. Used by the
 * synth-time guardrails to tell a necessary wildcard from a lazy one. Patterns use IAM wildcards and
 * are matched case-insensitively; a statement's own pattern (e.g. `ec2:Describe*`) is accepted when
 * an entry here covers it. Extend the list when a new action needs it, with the documentation in mind.
 */
import { actionMatches } from "./policy";

export const RESOURCELESS_ACTIONS: readonly string[] = [
  // S3 (account level)
  "s3:ListAllMyBuckets",
  "s3:GetAccountPublicAccessBlock",
  "s3:PutAccountPublicAccessBlock",
  "s3:ListAccessPoints",
  // KMS
  "kms:ListAliases",
  "kms:ListKeys",
  "kms:CreateKey",
  "kms:GenerateRandom",
  "kms:ConnectCustomKeyStore",
  "kms:DescribeCustomKeyStores",
  // STS, IAM (account level)
  "sts:GetCallerIdentity",
  "iam:ListRoles",
  "iam:ListPolicies",
  "iam:ListUsers",
  "iam:ListGroups",
  "iam:GetAccountSummary",
  "iam:GetAccountPasswordPolicy",
  "iam:GetAccountAuthorizationDetails",
  "iam:GenerateCredentialReport",
  "iam:GetCredentialReport",
  // Observability
  "cloudwatch:PutMetricData",
  "cloudwatch:GetMetricData",
  "cloudwatch:ListMetrics",
  "cloudwatch:DescribeAlarms",
  "logs:DescribeLogGroups",
  "xray:PutTraceSegments",
  "xray:PutTelemetryRecords",
  "xray:GetSamplingRules",
  "xray:GetSamplingTargets",
  "cloudtrail:LookupEvents",
  // Discovery
  "ec2:Describe*",
  "rds:DescribeDBEngineVersions",
  "redshift:DescribeClusters",
  "redshift:DescribeClusterSubnetGroups",
  "redshift:DescribeSnapshotSchedules",
  "redshift-serverless:ListNamespaces",
  "redshift-serverless:ListWorkgroups",
  "secretsmanager:ListSecrets",
  "secretsmanager:GetRandomPassword",
  "lambda:ListFunctions",
  "dynamodb:ListTables",
  "sns:ListTopics",
  "sqs:ListQueues",
  "tag:GetResources",
  "ecr:GetAuthorizationToken",
  "organizations:DescribeOrganization",
  "access-analyzer:ValidatePolicy",
  // Lambda in a VPC: the network interfaces Lambda creates are not known in advance (AWS documents
  // these statements with "*" in AWSLambdaVPCAccessExecutionRole).
  "ec2:CreateNetworkInterface",
  "ec2:DeleteNetworkInterface",
  "ec2:AssignPrivateIpAddresses",
  "ec2:UnassignPrivateIpAddresses",
];

/** Whether an action (or a statement's action pattern) can only be granted on `"*"`. */
export function isResourcelessAction(action: string): boolean {
  return RESOURCELESS_ACTIONS.some((entry) => actionMatches(entry, action));
}
