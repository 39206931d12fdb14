/**
 * On-demand rotation: each SNS message names a secret; for a secret this stack manages, start a
 * rotation through RotateSecret (recovering a stale AWSPENDING first); refuse and log anything else.
 */
import { triggerMessageSchema, type SnsEvent, type TriggerOutcome } from "../shared/contracts/rotation-trigger";
import { requestRotation, RotationInProgressError } from "../shared/credentials/rotation-control";
import type { SecretStore } from "../shared/credentials/secrets-manager";

export interface TriggerDeps {
  readonly store: SecretStore;
  readonly managedSecretArns: readonly string[];
  readonly logger: { info(message: string, extra: Record<string, unknown>): void; warn(message: string, extra: Record<string, unknown>): void };
}

/** `avesa/postgres/dev` from `arn:aws:secretsmanager:eu-west-1:111111111111:secret:avesa/postgres/dev-AbCdEf`. */
export function secretNameOfArn(arn: string): string {
  return arn.replace(/^arn:[^:]+:secretsmanager:[^:]+:\d{12}:secret:/, "").replace(/-[A-Za-z0-9]{6}$/, "");
}

/** The managed ARN a message's secret id names (ARN or name), if any. */
export function managedSecret(secretId: string, managed: readonly string[]): string | undefined {
  return managed.find((arn) => arn === secretId || secretNameOfArn(arn) === secretId);
}

function parseMessage(message: string): string | undefined {
  let candidate: unknown = message.trim();
  try {
    candidate = JSON.parse(message);
  } catch {
    // plain text: the secret's name or ARN
  }
  const parsed = triggerMessageSchema.safeParse(candidate);
  return parsed.success ? parsed.data.secretId : undefined;
}

export async function handleTrigger(event: SnsEvent, deps: TriggerDeps): Promise<TriggerOutcome[]> {
  const outcomes: TriggerOutcome[] = [];
  for (const record of event.Records) {
    const messageId = record.Sns.MessageId;
    const secretId = parseMessage(record.Sns.Message);
    const arn = secretId === undefined ? undefined : managedSecret(secretId, deps.managedSecretArns);
    if (!secretId || !arn) {
      const shown = (secretId ?? record.Sns.Message).slice(0, 200);
      deps.logger.warn("Refused a rotation request: the message does not name a secret this stack manages", { messageId, requested: shown });
      outcomes.push({ messageId, secretId: shown, status: "refused", detail: "not a secret this stack manages" });
      continue;
    }
    try {
      const started = await requestRotation(deps.store, arn);
      const detail = started.recoveredVersionId ? `rotation started after removing the stale AWSPENDING of version ${started.recoveredVersionId}` : "rotation started";
      deps.logger.info("Rotation requested", { messageId, secretArn: arn, versionId: started.versionId, recoveredVersionId: started.recoveredVersionId });
      outcomes.push({ messageId, secretId: arn, status: "rotation-started", detail });
    } catch (error) {
      const detail = (error as Error).message;
      deps.logger.warn("Rotation request failed", { messageId, secretArn: arn, error: detail });
      outcomes.push({ messageId, secretId: arn, status: error instanceof RotationInProgressError ? "refused" : "failed", detail });
    }
  }
  return outcomes;
}
