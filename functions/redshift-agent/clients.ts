/**
 * The agent's AWS clients, per region, with the platform's retry policy. Redshift Serverless
 * (assessments only) and Bedrock (a configured model only) load on first use: each SDK client
 * evaluated at start-up adds tens of ms to every cold start (bench/redshift-agent.ts).
 */
import { RedshiftClient } from "@aws-sdk/client-redshift";
import type { RedshiftServerlessClient } from "@aws-sdk/client-redshift-serverless";
import { awsClient, regionalClients } from "../shared/platform/aws-clients";
import type { Converse } from "./model";

/** Regions one container keeps clients for. */
const MAX_REGIONAL_CLIENTS = 8;

function lazy<M>(load: () => M): () => M {
  let loaded: M | undefined;
  return () => (loaded ??= load());
}

export function redshiftClients(): (region: string) => RedshiftClient {
  return regionalClients((config) => new RedshiftClient(config), { maxClients: MAX_REGIONAL_CLIENTS });
}

export function serverlessClients(): (region: string) => RedshiftServerlessClient {
  const sdk = lazy(() => require("@aws-sdk/client-redshift-serverless") as typeof import("@aws-sdk/client-redshift-serverless"));
  return regionalClients((config) => new (sdk().RedshiftServerlessClient)(config), { maxClients: MAX_REGIONAL_CLIENTS });
}

/** Converse calls to Bedrock in the function's region. */
export function bedrockConverse(region: string): Converse {
  const send = lazy(() => {
    const { BedrockRuntimeClient, ConverseCommand } = require("@aws-sdk/client-bedrock-runtime") as typeof import("@aws-sdk/client-bedrock-runtime");
    const client = awsClient((config) => new BedrockRuntimeClient(config), region);
    return (input: Parameters<Converse>[0]) => client.send(new ConverseCommand(input));
  });
  return (input) => send()(input);
}
