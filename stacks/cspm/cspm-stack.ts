import type { Construct } from "constructs";
import { TerraformOutput } from "cdktf";
import type { AppConfig } from "../config";
import { PlatformStack } from "../platform-stack";
import { SecureSecret } from "../constructs/secret";
import { KmsAuditService } from "./kms-audit-service";
import { S3AuditorService } from "./s3-auditor-service";

/**
 * CSPM: the KMS key auditor behind an IAM-authenticated REST API, and the S3 bucket auditor that
 * calls it and writes findings to Security Hub and MongoDB.
 */
export class CspmStack extends PlatformStack {
  readonly kmsAuditor: KmsAuditService;
  readonly s3Auditor: S3AuditorService;

  constructor(scope: Construct, config: AppConfig) {
    super(scope, "cspm", config);
    this.kmsAuditor = new KmsAuditService(this, config);

    // The MongoDB connection string is put into this secret out of band, so it never enters Terraform state.
    const mongodbSecret = new SecureSecret(this, "mongodb-secret", {
      name: `${this.prefix}/mongodb`,
      description: "MongoDB connection string for CSPM findings (value set out of band)",
      kmsKey: this.kmsKey,
      region: config.region,
    });
    this.s3Auditor = new S3AuditorService(this, config, { kmsAuditApi: this.kmsAuditor.api, mongodbSecret });

    const api = this.kmsAuditor.api;
    new TerraformOutput(this, "kmsAuditApiUrl", { value: api.url, description: "Base URL of the KMS audit API (POST /health, /audit-key, /key-info)" });
    new TerraformOutput(this, "kmsAuditInvokePolicyArn", {
      value: api.invokePolicy.arn,
      description: "Managed policy allowing exactly the KMS audit API routes; attach it to people or roles that call the API",
    });
    new TerraformOutput(this, "s3AuditorFunctionName", { value: this.s3Auditor.function.function.functionName, description: "Invoke with {\"buckets\":[...]} for an on-demand audit" });
    new TerraformOutput(this, "mongodbSecretArn", { value: mongodbSecret.arn, description: "Put the MongoDB connection string here (aws secretsmanager put-secret-value)" });
  }
}
