/** Every guardrail rule, in catalogue order (by service). A rule file not listed here never runs: test/stacks/rules/catalogue.test.ts checks that. */
import type { Rule } from "./rule";
import apigatewayMethodAuthorized from "./apigateway-method-authorized";
import apigatewayMethodRequestValidated from "./apigateway-method-request-validated";
import apigatewayStageAccessLogged from "./apigateway-stage-access-logged";
import apigatewayStageExecutionLogged from "./apigateway-stage-execution-logged";
import apigatewayStageNoDataTrace from "./apigateway-stage-no-data-trace";
import apigatewayStageThrottled from "./apigateway-stage-throttled";
import dynamodbTableDeletionProtected from "./dynamodb-table-deletion-protected";
import dynamodbTableKmsEncrypted from "./dynamodb-table-kms-encrypted";
import dynamodbTablePitrEnabled from "./dynamodb-table-pitr-enabled";
import eventbridgeTargetDeadLettered from "./eventbridge-target-dead-lettered";
import iamPolicyKmsUseViaService from "./iam-policy-kms-use-via-service";
import iamPolicyNoFullAdmin from "./iam-policy-no-full-admin";
import iamPolicyNoWildcardResource from "./iam-policy-no-wildcard-resource";
import iamPolicyPassRoleScoped from "./iam-policy-pass-role-scoped";
import iamRoleNoPrivilegeEscalation from "./iam-role-no-privilege-escalation";
import kmsKeyPolicyNotPublic from "./kms-key-policy-not-public";
import kmsKeyRotationEnabled from "./kms-key-rotation-enabled";
import kmsKeyServicePrincipalsPinned from "./kms-key-service-principals-pinned";
import lambdaFunctionAsyncFailuresKept from "./lambda-function-async-failures-kept";
import lambdaFunctionConcurrencyBounded from "./lambda-function-concurrency-bounded";
import lambdaFunctionEnvironmentEncrypted from "./lambda-function-environment-encrypted";
import lambdaFunctionLogGroupFirst from "./lambda-function-log-group-first";
import lambdaFunctionNoSecretsInEnvironment from "./lambda-function-no-secrets-in-environment";
import lambdaFunctionRuntimeSupported from "./lambda-function-runtime-supported";
import lambdaFunctionRuntimeNotExpiring from "./lambda-function-runtime-not-expiring";
import lambdaPermissionSourcePinned from "./lambda-permission-source-pinned";
import logsLogGroupKmsEncrypted from "./logs-log-group-kms-encrypted";
import logsLogGroupRetentionSet from "./logs-log-group-retention-set";
import rdsBackupsKept7Days from "./rds-backups-kept-7-days";
import rdsDeletionProtected from "./rds-deletion-protected";
import rdsIamAuthEnabled from "./rds-iam-auth-enabled";
import rdsInstanceNotPublic from "./rds-instance-not-public";
import rdsLogsExported from "./rds-logs-exported";
import rdsProxyIamAuthRequired from "./rds-proxy-iam-auth-required";
import rdsProxyTlsRequired from "./rds-proxy-tls-required";
import rdsStorageKmsEncrypted from "./rds-storage-kms-encrypted";
import rdsTlsEnforced from "./rds-tls-enforced";
import s3BucketAccessLogged from "./s3-bucket-access-logged";
import s3BucketKmsEncrypted from "./s3-bucket-kms-encrypted";
import s3BucketLifecycleConfigured from "./s3-bucket-lifecycle-configured";
import s3BucketPublicAccessBlocked from "./s3-bucket-public-access-blocked";
import s3BucketTlsOnlyPolicy from "./s3-bucket-tls-only-policy";
import s3BucketVersioningEnabled from "./s3-bucket-versioning-enabled";
import secretsmanagerSecretKmsEncrypted from "./secretsmanager-secret-kms-encrypted";
import secretsmanagerSecretRotated from "./secretsmanager-secret-rotated";
import securityGroupNoAllPorts from "./security-group-no-all-ports";
import securityGroupNoPublicIngress from "./security-group-no-public-ingress";
import snsTopicKmsEncrypted from "./sns-topic-kms-encrypted";
import sqsQueueKmsEncrypted from "./sqs-queue-kms-encrypted";

export const RULES: readonly Rule[] = [
  apigatewayMethodAuthorized,
  apigatewayMethodRequestValidated,
  apigatewayStageAccessLogged,
  apigatewayStageExecutionLogged,
  apigatewayStageNoDataTrace,
  apigatewayStageThrottled,
  dynamodbTableDeletionProtected,
  dynamodbTableKmsEncrypted,
  dynamodbTablePitrEnabled,
  eventbridgeTargetDeadLettered,
  iamPolicyKmsUseViaService,
  iamPolicyNoFullAdmin,
  iamPolicyNoWildcardResource,
  iamPolicyPassRoleScoped,
  iamRoleNoPrivilegeEscalation,
  kmsKeyPolicyNotPublic,
  kmsKeyRotationEnabled,
  kmsKeyServicePrincipalsPinned,
  lambdaFunctionAsyncFailuresKept,
  lambdaFunctionConcurrencyBounded,
  lambdaFunctionEnvironmentEncrypted,
  lambdaFunctionLogGroupFirst,
  lambdaFunctionNoSecretsInEnvironment,
  lambdaFunctionRuntimeSupported,
  lambdaFunctionRuntimeNotExpiring,
  lambdaPermissionSourcePinned,
  logsLogGroupKmsEncrypted,
  logsLogGroupRetentionSet,
  rdsBackupsKept7Days,
  rdsDeletionProtected,
  rdsIamAuthEnabled,
  rdsInstanceNotPublic,
  rdsLogsExported,
  rdsProxyIamAuthRequired,
  rdsProxyTlsRequired,
  rdsStorageKmsEncrypted,
  rdsTlsEnforced,
  s3BucketAccessLogged,
  s3BucketKmsEncrypted,
  s3BucketLifecycleConfigured,
  s3BucketPublicAccessBlocked,
  s3BucketTlsOnlyPolicy,
  s3BucketVersioningEnabled,
  secretsmanagerSecretKmsEncrypted,
  secretsmanagerSecretRotated,
  securityGroupNoAllPorts,
  securityGroupNoPublicIngress,
  snsTopicKmsEncrypted,
  sqsQueueKmsEncrypted,
];

export function ruleById(id: string): Rule | undefined {
  return RULES.find((r) => r.id === id);
}
