/** SDK clients, one per region, created once per container; the caller's account, resolved once. */
import { KMSClient } from "@aws-sdk/client-kms";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";

export function kmsClientCache(make: (region: string) => KMSClient = (region) => new KMSClient({ region, maxAttempts: 3 })): (region: string) => KMSClient {
  const clients = new Map<string, KMSClient>();
  return (region) => {
    let client = clients.get(region);
    if (!client) clients.set(region, (client = make(region)));
    return client;
  };
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
