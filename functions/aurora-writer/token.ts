/**
 * IAM authentication tokens for RDS Proxy. Signing is local (a SigV4 presigned URL for service
 * rds-db, valid 15 minutes, only for opening a connection): no network call and no AWS endpoint,
 * which is why the writer's security group needs no egress but 5432 to the proxy.
 */
import { Signer } from "@aws-sdk/rds-signer";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";
import { PlatformError } from "../shared/platform/errors";

/** Signing failed (no or expired credentials): the connection is never attempted. */
export class TokenSigningError extends PlatformError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("TokenSigningError", message, options);
  }
}

export interface TokenSignerOptions {
  /** The proxy endpoint: a token signed for any other host (the cluster's) is refused by the proxy. */
  readonly hostname: string;
  readonly port: number;
  readonly username: string;
  readonly region: string;
  /** @default the Lambda role's credentials (the SDK's default chain) */
  readonly credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
}

export type TokenSigner = () => Promise<string>;
export type MakeTokenSigner = (options: TokenSignerOptions) => TokenSigner;

export const iamTokenSigner: MakeTokenSigner = (options) => {
  const signer = new Signer({ ...options });
  return async () => {
    try {
      return await signer.getAuthToken();
    } catch (error) {
      throw new TokenSigningError(`Could not sign an IAM token for ${options.username}@${options.hostname}:${options.port}: ${(error as Error).message}`, { cause: error });
    }
  };
};
