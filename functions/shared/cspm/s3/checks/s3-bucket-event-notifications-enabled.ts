import { type Check, type CheckMetadata, result } from "../../check";
import { type BucketCheckInput, notAvailable, securityHubUrl } from "./types";

const metadata: CheckMetadata = {
  id: "s3_bucket_event_notifications_enabled",
  title: "S3 bucket has event notifications enabled",
  severity: "MEDIUM",
  securityHubControl: "S3.11",
  resourceType: "AwsS3Bucket",
  description: "Event notifications (SNS, SQS, Lambda or EventBridge) let you react to object creation, deletion and restore events.",
  remediation: { text: "aws s3api put-bucket-notification-configuration --bucket <bucket> --notification-configuration '{\"EventBridgeConfiguration\":{}}'", url: securityHubUrl("S3.11") },
};

export const s3BucketEventNotificationsEnabled: Check<BucketCheckInput> = {
  metadata,
  evaluate({ bucket }) {
    const n = bucket.notifications;
    if (!n.ok) return notAvailable(metadata, n, "bucket's notification configuration");
    const targets = [
      n.value.topics > 0 ? `${n.value.topics} SNS` : "",
      n.value.queues > 0 ? `${n.value.queues} SQS` : "",
      n.value.lambdaFunctions > 0 ? `${n.value.lambdaFunctions} Lambda` : "",
      n.value.eventBridge ? "EventBridge" : "",
    ].filter((t) => t !== "");
    if (targets.length > 0) return result(metadata, "PASSED", `Bucket ${bucket.name} sends event notifications to ${targets.join(", ")}.`);
    return result(metadata, "FAILED", `Bucket ${bucket.name} has no event notifications.`);
  },
};
