/**
 * The KMS audit API answers with AWS error codes, never with AWS's messages: those name the
 * auditor's role, its account and the denied action ("User: arn:aws:sts::111122223333:assumed-role/
 * ... is not authorized to perform: kms:GetKeyPolicy on resource: ..."). Each withheld message goes
 * to the function's log with the request id, where an operator finds it; the answer says so.
 *
 * The CLI audits in-process and keeps the messages: they are the user's own.
 */
import type { Fetched } from "../shared/cspm/check";
import { HttpError } from "../shared/platform/http";
import type { KeyFacts } from "../shared/cspm/kms/facts";

/** Codes the auditor gives itself; their messages are its own and name only what the caller sent. */
const OWN_CODES: ReadonlySet<string> = new Set(["CrossAccountKey", "EmptyResponse"]);

/** Where a withheld message came from (`policy`, `aliases`, `DescribeKey`), its code and the message. */
export type MessageLog = (entry: { readonly source: string; readonly code: string; readonly awsMessage: string }) => void;

function quiet<T>(fetched: Fetched<T>, source: string, log: MessageLog): Fetched<T> {
  if (fetched.ok || fetched.message === undefined || OWN_CODES.has(fetched.errorCode)) return fetched;
  log({ source, code: fetched.errorCode, awsMessage: fetched.message });
  return { ok: false, errorCode: fetched.errorCode };
}

/** The facts with every AWS message moved to the log; the checks then cite only the codes. */
export function factsWithoutAwsMessages(facts: KeyFacts, log: MessageLog): KeyFacts {
  const quieted: KeyFacts = { ...facts, metadata: quiet(facts.metadata, "metadata", log), policy: quiet(facts.policy, "policy", log) };
  return facts.rotation ? { ...quieted, rotation: quiet(facts.rotation, "rotation", log) } : quieted;
}

/** `/key-info`'s answer with the messages of its partial failures (`{"error": {"code", "message"}}`) moved to the log. */
export function keyInfoWithoutAwsMessages(info: Record<string, unknown>, log: MessageLog): Record<string, unknown> {
  const out: Record<string, unknown> = { ...info };
  for (const [field, value] of Object.entries(info)) {
    const error = (value as { error?: { code?: unknown; message?: unknown } } | null)?.error;
    if (typeof value !== "object" || value === null || typeof error !== "object" || error === null) continue;
    const code = typeof error.code === "string" ? error.code : "UnknownError";
    if (typeof error.message === "string" && error.message !== "" && !OWN_CODES.has(code)) log({ source: field, code, awsMessage: error.message });
    out[field] = { ...value, error: OWN_CODES.has(code) ? error : { code } };
  }
  return out;
}

/**
 * Runs a route, turning an upstream failure (an HttpError of 500 or more carrying AWS's message)
 * into the same status and code with a message of our own; the original goes to the log.
 */
export async function withAwsMessagesLogged<T>(work: () => Promise<T>, log: MessageLog, requestId: string): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof HttpError) || error.statusCode < 500 || OWN_CODES.has(error.code)) throw error;
    log({ source: "request", code: error.code, awsMessage: error.message });
    throw new HttpError(error.statusCode, error.code, `AWS answered ${error.code}; its message is in the KMS auditor's log under request id ${requestId}.`, { cause: error });
  }
}
