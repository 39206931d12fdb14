/** Starts the KMS auditor's real handler behind scripts/serve.ts on an ephemeral port. */
import { startServer, type ProxyHandler, type RunningServer } from "../../../scripts/serve";
import { REGION } from "./fixtures";

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly json: any;
}

export async function startKmsAuditor(): Promise<RunningServer & { post(path: string, body: unknown, init?: RequestInit): Promise<Answer> }> {
  process.env.AWS_REGION = REGION;
  process.env.SERVICE_VERSION = "1.2.3-test";
  process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
  // Loaded after the environment is set: the handler reads it once at module load.
  const { handler } = require("../../../functions/kms-auditor/handler") as { handler: ProxyHandler };
  const running = await startServer(handler, { port: 0, functionName: "kms-auditor" });
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
