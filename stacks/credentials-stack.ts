import type { Construct } from "constructs";
import type { AppConfig } from "./config";
import { PlatformStack } from "./platform-stack";

/** Credential management and rotation. Holds the subsystem's KMS key and alarm topic until its resources land. */
export class CredentialsStack extends PlatformStack {
  constructor(scope: Construct, config: AppConfig) {
    super(scope, "credentials", config);
  }
}
