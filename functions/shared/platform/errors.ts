/**
 * The platform's small error tree. Every error carries a stable `code` (used in HTTP answers,
 * CLI messages and NOT_AVAILABLE findings) and keeps its `cause`.
 */
export class PlatformError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The caller sent something we cannot accept; maps to HTTP 400 / CLI exit code 2. */
export class ValidationError extends PlatformError {
  constructor(message: string, code = "ValidationError", options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** A route or resource that does not exist; maps to HTTP 404. */
export class NotFoundError extends PlatformError {
  constructor(message: string, code = "NotFound", options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** Configuration of the running function or tool is missing or invalid. */
export class ConfigurationError extends PlatformError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("ConfigurationError", message, options);
  }
}

/** The AWS error code of an SDK v3 exception (`name`, or `Code` for some services). */
export function awsErrorCode(error: unknown): string {
  if (error && typeof error === "object") {
    const e = error as { name?: unknown; Code?: unknown; code?: unknown };
    for (const candidate of [e.Code, e.name, e.code]) {
      if (typeof candidate === "string" && candidate !== "Error" && candidate.length > 0) return candidate;
    }
  }
  return "UnknownError";
}
