// zod's core: schemas may be classic zod or the tree-shakable zod/mini (contracts use mini).
import { safeParse, type $ZodObject, type $ZodType, type output } from "zod/v4/core";
import { ConfigurationError } from "./errors";

/**
 * Reads one environment variable, once, at module load. A missing required variable fails at
 * cold start and names the variable, instead of failing later inside a request.
 */
export function requiredEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value.trim() === "") {
    throw new ConfigurationError(`Environment variable ${name} is not set; the stack sets it, so redeploy or set it for local runs.`);
  }
  return value;
}

export function optionalEnv(name: string, fallback: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  return value === undefined || value.trim() === "" ? fallback : value;
}

/**
 * Parses a function's whole environment against its schema (declared in the function's contract
 * module, where the stack takes the variable names from), once, at cold start. Every bad or missing
 * variable is named in one ConfigurationError.
 */
export function parseEnv<Schema extends $ZodType>(schema: Schema, env: NodeJS.ProcessEnv = process.env): output<Schema> {
  const parsed = safeParse(schema, env);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join(".") || "environment"}: ${issue.message}`).join("; ");
  throw new ConfigurationError(`Invalid function environment (${problems}); the stack sets these variables, so redeploy or set them for local runs.`);
}

/** The names of an environment schema's variables, for stacks: `envNames(schema).KMS_AUDIT_API_URL === "KMS_AUDIT_API_URL"`. */
export type EnvName<Schema extends $ZodObject> = Extract<keyof output<Schema>, string>;
