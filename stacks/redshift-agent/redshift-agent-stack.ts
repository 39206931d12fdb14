import type { Construct } from "constructs";
import { TerraformOutput } from "cdktf";
import type { AppConfig } from "../config";
import { PlatformStack } from "../platform-stack";
import { AgentFunction } from "./agent-function";
import { AgentAccess } from "./agent-access";
import { InvocationTrail } from "./invocation-trail";

/**
 * The privately invokable Redshift migration agent: its function (no public access, read-only
 * role), the invoke policy and users group, and optionally a trail of who invoked it.
 */
export class RedshiftAgentStack extends PlatformStack {
  readonly agent: AgentFunction;
  readonly access: AgentAccess;
  readonly trail?: InvocationTrail;

  constructor(scope: Construct, config: AppConfig) {
    super(scope, "redshift-agent", config);
    const settings = config.redshiftAgent;
    this.agent = new AgentFunction(this, "agent", { config, kmsKey: this.kmsKey, alarmTopic: this.alarmTopic });
    const fn = this.agent.fn;
    this.access = new AgentAccess(this, "access", { environment: config.environment, functionArn: fn.arn, functionName: fn.functionName, users: settings.allowedUsers });
    if (settings.cloudTrailDataEvents) {
      this.trail = new InvocationTrail(this, "invocation-trail", {
        name: `${this.prefix}-invocations`,
        bucketName: `${this.prefix}-invocations-${config.accountId}`,
        accountId: config.accountId,
        region: config.region,
        kmsKey: this.kmsKey,
        functionArn: fn.arn,
        retentionDays: settings.cloudTrailDataEvents.retentionDays,
      });
      new TerraformOutput(this, "invocationRecordsBucket", { value: this.trail.bucket.name, description: "CloudTrail data events of every invocation (who, when): s3://<bucket>/AWSLogs/" });
    }
    new TerraformOutput(this, "agentFunctionName", { value: fn.function.functionName, description: "aws lambda invoke --function-name <this> --cli-binary-format raw-in-base64-out --payload '{\"message\":\"help\"}' out.json" });
    new TerraformOutput(this, "agentFunctionArn", { value: fn.arn, description: "The agent's function ARN" });
    new TerraformOutput(this, "invokePolicyArn", { value: this.access.policy.arn, description: "Managed policy allowing lambda:InvokeFunction on the agent and its aliases" });
    new TerraformOutput(this, "usersGroupName", { value: this.access.group.name, description: "Add users with `redshift-agent access add <user>`" });
  }
}
