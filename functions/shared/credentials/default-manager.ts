/**
 * The process-wide credential manager and the one-call helpers functions and scripts use:
 * `getCredentials(engine, env)`, `validate(engine, env)`, `getAwsCredentialsForService(service, env)`.
 */
import { fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";
import type { DatabaseSecret, Engine } from "../contracts/database-secret";
import { ConfigurationError } from "../platform/errors";
import { CredentialManager, type ValidationReport } from "./credential-manager";
import { engineFor } from "./engines/engine-for";
import { secretsManagerClient, secretStore } from "./secrets-manager";

let manager: CredentialManager | undefined;

function region(): string {
  const value = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!value) throw new ConfigurationError("AWS_REGION is not set: the credential manager needs the region of the secrets.");
  return value;
}

export function defaultCredentialManager(): CredentialManager {
  manager ??= new CredentialManager({ secrets: secretStore(secretsManagerClient({ region: region(), endpoint: process.env.SECRETS_MANAGER_ENDPOINT })) });
  return manager;
}

export function getCredentials(engine: Engine, environment: string): Promise<DatabaseSecret> {
  return defaultCredentialManager().getCredentials(engine, environment);
}

export function validate(engine: Engine, environment: string): Promise<ValidationReport> {
  return defaultCredentialManager().validate(engine, environment, engineFor({ engine } as DatabaseSecret));
}

/** `<namePrefix>-<service>` roles in the environment's account, e.g. csp-dev-pipeline. */
export function serviceRoleArn(service: string, environment: string, env: NodeJS.ProcessEnv = process.env): string {
  if (!/^[a-z][a-z0-9-]{1,40}$/.test(service)) throw new ConfigurationError(`"${service}" is not a service name (lower-case letters, digits, dashes).`);
  const variable = `PLATFORM_ROLE_ARN_${service.toUpperCase().replace(/-/g, "_")}_${environment.toUpperCase()}`;
  const explicit = env[variable];
  if (explicit) return explicit;
  const account = env[`PLATFORM_ACCOUNT_ID_${environment.toUpperCase()}`];
  if (!account || !/^\d{12}$/.test(account)) {
    throw new ConfigurationError(`No role for ${service} in ${environment}: set ${variable} or PLATFORM_ACCOUNT_ID_${environment.toUpperCase()} (the role is then csp-${environment}-${service}).`);
  }
  return `arn:aws:iam::${account}:role/csp-${environment}-${service}`;
}

/**
 * Temporary credentials of the environment's role for a service (STS AssumeRole, refreshed by the
 * SDK before they expire). Never access keys.
 */
export function getAwsCredentialsForService(
  service: string,
  environment: string,
  options: { env?: NodeJS.ProcessEnv; sessionName?: string; stsEndpoint?: string; sourceCredentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider } = {},
): AwsCredentialIdentityProvider {
  const roleArn = serviceRoleArn(service, environment, options.env);
  return fromTemporaryCredentials({
    params: { RoleArn: roleArn, RoleSessionName: options.sessionName ?? `${service}-${environment}`.slice(0, 64), DurationSeconds: 3600 },
    masterCredentials: options.sourceCredentials,
    clientConfig: { region: region(), endpoint: options.stsEndpoint },
  });
}
