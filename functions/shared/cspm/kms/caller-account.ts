/** The account the KMS checks run in (the Lambda's or the CLI user's), resolved once. */
import { GetCallerIdentityCommand, type STSClient } from "@aws-sdk/client-sts";

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
