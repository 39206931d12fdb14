/** Starts the KMS auditor's real handler behind scripts/serve.ts on an ephemeral port. */
import { KMSClient } from "@aws-sdk/client-kms";
import { STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { startServer, type ProxyHandler, type RunningServer, type ServeOptions } from "../../../scripts/serve";
import { REGION } from "./fixtures";

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly json: any;
}

export async function startKmsAuditor(options: Pick<ServeOptions, "gateway"> = {}): Promise<RunningServer & { post(path: string, body: unknown, init?: RequestInit): Promise<Answer> }> {
  // Loaded with this environment: the handler reads it once at module load. Restored afterwards
  // so that other test files see the environment they started with.
  const env = { AWS_REGION: REGION, SERVICE_VERSION: "1.2.3-test", POWERTOOLS_LOG_LEVEL: "SILENT" };
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  let handler: ProxyHandler;
  try {
    ({ handler } = require("../../../functions/kms-auditor/handler") as { handler: ProxyHandler });
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  const running = await startServer(handler, { port: 0, functionName: "kms-auditor", ...options });
  return {
    ...running,
    async post(path, body, init = {}) {
      const response = await fetch(`${running.url}${path}`, { method: "POST", body: typeof body === "string" ? body : JSON.stringify(body), ...init });
      const text = await response.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: response.status, headers: response.headers, text, json };
    },
  };
}

/**
 * Mocks the KMS and STS clients, then starts the auditor; `close()` stops the server and restores
 * the clients. Call it in before(), not at load: two files stubbing the same client class at load
 * time would replace each other's stubs.
 */
export async function startMockedKmsAuditor(options: Pick<ServeOptions, "gateway"> = {}) {
  const kms = mockClient(KMSClient);
  const sts = mockClient(STSClient);
  const server = await startKmsAuditor(options);
  return {
    kms,
    sts,
    server,
    async close() {
      await server.close();
      kms.restore();
      sts.restore();
    },
  };
}

export type MockedKmsAuditor = Awaited<ReturnType<typeof startMockedKmsAuditor>>;
