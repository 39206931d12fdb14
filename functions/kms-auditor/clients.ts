/** SDK clients, one per region, created once per container; the caller's account, resolved once. */
import { KMSClient } from "@aws-sdk/client-kms";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { regionalClients, type ClientCacheOptions } from "../shared/platform/aws-clients";

/** KMS clients per region with the platform's retry policy, bounded (functions/shared/platform/aws-clients.ts). */
export function kmsClientCache(options: ClientCacheOptions = {}): (region: string) => KMSClient {
  return regionalClients((config) => new KMSClient(config), options);
}

/** The caller's account via STS GetCallerIdentity (needs no IAM permission), cached; a failure is retried next time. */
export function callerAccount(sts: () => STSClient): () => Promise<string> {
  let pending: Promise<string> | undefined;
  return () => {
    pending ??= sts()
      .send(new GetCallerIdentityCommand({}))
      .then((answer) => {
        if (!answer.Account) throw Object.assign(new Error("GetCallerIdentity returned no Account"), { name: "EmptyResponse" });
        return answer.Account;
      })
      .catch((error: unknown) => {
        pending = undefined;
        throw error;
      });
    return pending;
  };
}
