/**
 * The agent's answered errors: a failure with a contract error code and a sentence for the caller.
 * AWS service errors are mapped here; anything else is a bug and becomes a Lambda function error.
 */
import { PlatformError, awsErrorCode } from "../shared/platform/errors";
import type { AgentErrorCode } from "../shared/contracts/redshift-agent";

export class AgentFailure extends PlatformError {
  declare readonly code: AgentErrorCode;
  constructor(code: AgentErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

const DENIED = new Set(["AccessDenied", "AccessDeniedException", "AccessDeniedFault", "UnauthorizedOperation", "UnauthorizedException", "UnrecognizedClientException"]);
const THROTTLED = new Set(["Throttling", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded"]);
const NOT_FOUND = new Set(["ClusterNotFound", "ClusterNotFoundFault"]);

/** Whether an error came from an AWS service (an SDK v3 service exception carries `$metadata`). */
export function isAwsServiceError(error: unknown): boolean {
  return typeof error === "object" && error !== null && "$metadata" in error;
}

/**
 * Maps an AWS error of one call to an AgentFailure that names the call and what to do. Errors that
 * are not AWS service errors are returned unchanged (they are bugs, not answers).
 */
export function describeAwsError(error: unknown, service: string, operation: string, subject?: string): unknown {
  if (error instanceof AgentFailure || !isAwsServiceError(error)) return error;
  const code = awsErrorCode(error);
  const detail = (error as Error).message;
  if (NOT_FOUND.has(code)) {
    const named = subject ? ` named ${subject}` : "";
    return new AgentFailure("ClusterNotFound", `There is no Redshift cluster${named} in this region; list the clusters to see their identifiers.`, { cause: error });
  }
  if (DENIED.has(code)) {
    return new AgentFailure("AccessDenied", `${service} refused ${operation} (${code}): the agent's role is not allowed to read this. Ask an administrator to check the redshift-agent stack's role. ${detail}`.trim(), { cause: error });
  }
  if (THROTTLED.has(code)) {
    return new AgentFailure("Throttled", `${service} throttled ${operation} after retries; try again in a minute.`, { cause: error });
  }
  return new AgentFailure("UpstreamError", `${service} ${operation} failed (${code}): ${detail}`, { cause: error });
}

/** Runs one AWS call; its errors come back as AgentFailures that name the call. */
export async function awsCall<T>(service: string, operation: string, call: () => Promise<T>, subject?: string): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw describeAwsError(error, service, operation, subject);
  }
}
