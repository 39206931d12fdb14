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
