import type { Construct } from "constructs";
import type { AppConfig } from "./config";
import { PlatformStack } from "./platform-stack";

/** Temporary IAM role vending (issue: role vending). Holds the subsystem's KMS key and alarm topic until its functions land. */
export class RoleVendingStack extends PlatformStack {
  constructor(scope: Construct, config: AppConfig) {
    super(scope, "role-vending", config);
  }
}
