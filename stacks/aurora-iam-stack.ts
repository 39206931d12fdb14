import type { Construct } from "constructs";
import type { AppConfig } from "./config";
import { PlatformStack } from "./platform-stack";

/** Aurora PostgreSQL with IAM authentication through RDS Proxy. Holds the subsystem's KMS key and alarm topic until its resources land. */
export class AuroraIamStack extends PlatformStack {
  constructor(scope: Construct, config: AppConfig) {
    super(scope, "aurora-iam", config);
  }
}
