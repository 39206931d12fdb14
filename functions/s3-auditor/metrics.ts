/**
 * Where the S3 auditor's run metrics land (CloudWatch embedded metric format). The stack's
 * partial-run alarm watches exactly these, so both import them from here (no dependencies, so the
 * stack can import it at synth).
 */
export const METRICS_NAMESPACE = "CSPM";
/** Value of the `Function` dimension, and the service name in the auditor's logs. */
export const METRICS_FUNCTION = "cspm-s3-auditor";
