/** How a Lambda function is invoked, read from the stack: permissions, event targets, subscriptions, mappings. */
import type { StackModel, TfResource } from "./stack-model";

/** Service principals that invoke a function asynchronously (Lambda queues the event and retries). */
const ASYNC_PRINCIPALS = ["events.amazonaws.com", "s3.amazonaws.com", "sns.amazonaws.com", "logs.amazonaws.com", "ses.amazonaws.com", "iot.amazonaws.com", "config.amazonaws.com", "codecommit.amazonaws.com", "lambda.alarms.cloudwatch.amazonaws.com", "scheduler.amazonaws.com"];

const functionRef = (stack: StackModel, value: unknown, fn: TfResource) => stack.mentions(value, fn) || (typeof value === "string" && value === fn.config.function_name);

/** Permissions (aws_lambda_permission) on this function. */
export function permissionsOf(fn: TfResource, stack: StackModel): TfResource[] {
  return stack.ofType("aws_lambda_permission").filter((p) => functionRef(stack, p.config.function_name, fn));
}

/** What invokes the function asynchronously, for messages; empty when nothing in the stack does. */
export function asyncInvokers(fn: TfResource, stack: StackModel): string[] {
  const out = new Set<string>();
  for (const p of permissionsOf(fn, stack)) if (ASYNC_PRINCIPALS.includes(String(p.config.principal))) out.add(String(p.config.principal));
  for (const t of stack.ofType("aws_cloudwatch_event_target")) if (functionRef(stack, t.config.arn, fn)) out.add(`event target ${t.path}`);
  for (const s of stack.ofType("aws_sns_topic_subscription")) if (s.config.protocol === "lambda" && functionRef(stack, s.config.endpoint, fn)) out.add(`SNS subscription ${s.path}`);
  for (const n of stack.ofType("aws_s3_bucket_notification")) if (stack.mentions(n.config.lambda_function, fn)) out.add(`S3 notification ${n.path}`);
  for (const s of stack.ofType("aws_scheduler_schedule")) if (stack.mentions(s.config.target, fn)) out.add(`schedule ${s.path}`);
  return [...out];
}

/** Event source mappings (SQS, Kinesis, DynamoDB streams) feeding the function. */
export function eventSourceMappingsOf(fn: TfResource, stack: StackModel): TfResource[] {
  return stack.ofType("aws_lambda_event_source_mapping").filter((m) => functionRef(stack, m.config.function_name, fn));
}
