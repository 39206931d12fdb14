import type { Construct } from "constructs";
import type { AppConfig } from "./config";
import { PlatformStack } from "./platform-stack";

/** The privately invokable Redshift migration agent. Holds the subsystem's KMS key and alarm topic until its resources land. */
export class RedshiftAgentStack extends PlatformStack {
  constructor(scope: Construct, config: AppConfig) {
    super(scope, "redshift-agent", config);
  }
}
