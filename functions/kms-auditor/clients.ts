/** SDK clients, one per region, created once per container. */
import { KMSClient } from "@aws-sdk/client-kms";
import { regionalClients, type ClientCacheOptions } from "../shared/platform/aws-clients";

/** KMS clients per region with the platform's retry policy, bounded (functions/shared/platform/aws-clients.ts). */
export function kmsClientCache(options: ClientCacheOptions = {}): (region: string) => KMSClient {
  return regionalClients((config) => new KMSClient(config), options);
}
