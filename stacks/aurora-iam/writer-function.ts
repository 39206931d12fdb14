import { Construct } from "constructs";
import { AURORA_WRITER_ENV, AURORA_WRITER_METRICS, WRITER_DB_USER } from "../../functions/shared/contracts/aurora-writer";
import { NodeFunction } from "../constructs/node-function";
import { Alarm, type AlarmTopic } from "../constructs/alarm";
import type { AuroraFunctionProps } from "./network";
import type { WriterProxy } from "./proxy";

export interface WriterFunctionProps extends AuroraFunctionProps {
  readonly proxy: WriterProxy;
  readonly databaseName: string;
  readonly reservedConcurrency?: number;
  readonly alarmTopic: AlarmTopic;
  /** Failed writes (any code) in 5 minutes that raise the alarm. @default 10 */
  readonly failedWritesThreshold?: number;
}

/**
 * The writer function (functions/aurora-writer) in the VPC. Its role may `rds-db:connect` as
 * lambda_writer through the proxy (the proxy's `prx-` id, not the cluster's) and nothing else but
 * its logs and VPC networking.
 */
export class WriterFunction extends Construct {
  readonly fn: NodeFunction;

  constructor(scope: Construct, id: string, props: WriterFunctionProps) {
    super(scope, id);
    this.fn = new NodeFunction(this, "function", {
      entry: "aurora-writer",
      functionName: props.functionName,
      description: "Writes allow-listed rows to Aurora through RDS Proxy as lambda_writer with an IAM token",
      accountId: props.accountId,
      region: props.region,
      kmsKey: props.kmsKey,
      logRetentionDays: props.logRetentionDays,
      timeoutSeconds: 30,
      memorySize: 256,
      reservedConcurrency: props.reservedConcurrency,
      vpc: { subnetIds: props.network.subnetIds, securityGroupIds: [props.network.writerSecurityGroup.id] },
      environment: {
        [AURORA_WRITER_ENV.DB_PROXY_ENDPOINT]: props.proxy.endpoint,
        [AURORA_WRITER_ENV.DB_PORT]: "5432",
        [AURORA_WRITER_ENV.DB_NAME]: props.databaseName,
        [AURORA_WRITER_ENV.DB_USER]: WRITER_DB_USER,
        POWERTOOLS_SERVICE_NAME: AURORA_WRITER_METRICS.service,
      },
      // No failure destination: callers invoke it synchronously and read the answer.
    });
    // Its environment (the proxy endpoint) encrypted at rest with the stack's key.
    this.fn.function.kmsKeyArn = props.kmsKey.arn;
    this.fn.addToRolePolicy({
      Sid: "ConnectAsLambdaWriterThroughProxy",
      Effect: "Allow",
      Action: "rds-db:connect",
      Resource: props.proxy.connectResourceArn(WRITER_DB_USER),
    });

    Alarm.onFunctionErrors(this, "errors-alarm", this.fn, props.alarmTopic, "The Aurora writer crashed or timed out (its answers carry every expected failure)");
    // Failures are answers, not function errors: the writer's own metric counts them.
    new Alarm(this, "failed-writes-alarm", {
      name: `${props.functionName}-failed-writes`,
      description: "Aurora writes are failing: see the writer's log for the codes (AuthenticationFailed, Timeout, DatabaseUnavailable …)",
      topic: props.alarmTopic,
      namespace: AURORA_WRITER_METRICS.namespace,
      metricName: AURORA_WRITER_METRICS.writeFailed,
      dimensions: { service: AURORA_WRITER_METRICS.service },
      threshold: props.failedWritesThreshold ?? 10,
    });
  }
}
