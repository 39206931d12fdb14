/**
 * What operators and the SNS trigger do around a rotation: start one through RotateSecret (never by
 * invoking the rotation function), recover an AWSPENDING label a failed rotation left behind, and
 * roll back to AWSPREVIOUS.
 */
import { alternateUsername, parseDatabaseSecret, type DatabaseSecret } from "../contracts/database-secret";
import { STAGE } from "../contracts/secret-rotation";
import { awsErrorCode } from "../platform/errors";
import type { DatabaseEngine } from "./engines/engine";
import { versionWithStage, type SecretStore } from "./secrets-manager";

/**
 * An AWSPENDING version older than this is an abandoned rotation, not one in progress: the service
 * runs the four steps within minutes (each invocation is capped at 15) and retries for well under
 * an hour.
 */
export const STALE_PENDING_MS = 2 * 60 * 60 * 1000;

export interface RotationRequest {
  readonly secretArn: string;
  readonly versionId?: string;
  /** The version whose stale AWSPENDING label was removed first, if any. */
  readonly recoveredVersionId?: string;
}

export class RotationInProgressError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RotationInProgressError";
  }
}

function isIncompleteRotation(error: unknown): boolean {
  return awsErrorCode(error) === "InvalidRequestException" && /previous rotation isn't complete/i.test((error as Error).message ?? "");
}

/** RotateSecret, recovering once from a stale AWSPENDING label that would otherwise block every rotation. */
export async function requestRotation(store: SecretStore, secretId: string, options: { now?: () => Date; stalePendingMs?: number; retried?: boolean } = {}): Promise<RotationRequest> {
  const description = await store.describe(secretId);
  let refusal: unknown;
  try {
    const started = await store.rotate(description.arn);
    return { secretArn: description.arn, versionId: started.versionId };
  } catch (error) {
    if (!isIncompleteRotation(error)) throw error;
    refusal = error;
  }
  const fresh = await store.describe(description.arn);
  const pending = versionWithStage(fresh, STAGE.pending);
  const current = versionWithStage(fresh, STAGE.current);
  // The rotation finished meanwhile: try once more, and then report the service's refusal rather than loop.
  if (!pending || pending === current) {
    if (options.retried) throw refusal;
    return requestRotation(store, secretId, { ...options, retried: true });
  }
  const created = (await store.listVersions(description.arn)).find((v) => v.versionId === pending)?.createdDate;
  const now = (options.now ?? (() => new Date()))();
  const stalePendingMs = options.stalePendingMs ?? STALE_PENDING_MS;
  if (created && now.getTime() - created.getTime() < stalePendingMs) {
    throw new RotationInProgressError(
      `A rotation of ${description.name} started at ${created.toISOString()} is not complete (version ${pending} is AWSPENDING); Secrets Manager is retrying it. Check rotation-status, or wait ${Math.round(stalePendingMs / 60_000)} minutes for it to count as abandoned.`,
    );
  }
  await store.moveStage(description.arn, STAGE.pending, { fromVersionId: pending });
  const started = await store.rotate(description.arn);
  return { secretArn: description.arn, versionId: started.versionId, recoveredVersionId: pending };
}

export interface RollbackResult {
  readonly secretArn: string;
  readonly restoredVersionId: string;
  readonly replacedVersionId: string;
  /** What was done, one sentence each. */
  readonly actions: string[];
}

/**
 * Makes AWSPREVIOUS current again. Where the database no longer accepts the previous password
 * (single user: the rotation replaced it), it is set back there first, logged in with the current
 * password (or, for alternating users, with the master secret).
 */
export async function rollback(store: SecretStore, secretId: string, engineFor: (secret: DatabaseSecret) => DatabaseEngine): Promise<RollbackResult> {
  const description = await store.describe(secretId);
  const currentId = versionWithStage(description, STAGE.current);
  const previousId = versionWithStage(description, STAGE.previous);
  if (!currentId || !previousId) throw new Error(`Secret ${description.name} has no AWSPREVIOUS version to roll back to.`);
  const pendingId = versionWithStage(description, STAGE.pending);
  if (pendingId && pendingId !== currentId) throw new RotationInProgressError(`A rotation of ${description.name} is not complete (AWSPENDING on ${pendingId}); finish or recover it before rolling back.`);
  const read = async (versionId: string, what: string) => {
    const value = await store.getValue(description.arn, { versionId });
    if (value === undefined) throw new Error(`The ${what} version of ${description.name} has no value.`);
    return parseDatabaseSecret(value, `${description.name} (${what})`);
  };
  const current = await read(currentId, "AWSCURRENT");
  const previous = await read(previousId, "AWSPREVIOUS");
  if (previous.engine !== current.engine || previous.host !== current.host || previous.port !== current.port) {
    throw new Error(`The AWSPREVIOUS version of ${description.name} names another engine, host or port; refusing to roll back.`);
  }
  const engine = engineFor(previous);
  const actions: string[] = [];
  if (await engine.canLogin(previous)) {
    actions.push(`The database still accepts the previous password of ${previous.username}; nothing to change there.`);
  } else {
    let admin: DatabaseSecret = current;
    if (current.strategy === "alternating-users" && previous.username !== current.username) {
      if (!current.masterarn) throw new Error(`Secret ${description.name} uses alternating users but names no masterarn.`);
      const master = await store.getValue(current.masterarn, { stage: STAGE.current });
      if (master === undefined) throw new Error(`The master secret of ${description.name} has no value.`);
      admin = parseDatabaseSecret(master, "the master secret");
    } else if (previous.username !== current.username && alternateUsername(current.username) !== previous.username) {
      throw new Error(`The AWSPREVIOUS version of ${description.name} names another user; refusing to roll back.`);
    }
    if (!(await engine.canLogin(admin))) throw new Error(`Neither the previous nor the ${admin === current ? "current" : "master"} credentials of ${description.name} log in; fix them with setup-credentials.`);
    await engine.setPassword(admin, previous.username, previous.password);
    actions.push(`Set the previous password of ${previous.username} back on the database.`);
  }
  await store.moveStage(description.arn, STAGE.current, { toVersionId: previousId, fromVersionId: currentId });
  // A finished rotation leaves AWSPENDING on the version it made current. Left there, that version
  // would be AWSPENDING but not AWSCURRENT: every later RotateSecret would be refused ("a previous
  // rotation isn't complete") and the service's reattempt would finish it, undoing the rollback.
  if (pendingId === currentId) {
    await store.moveStage(description.arn, STAGE.pending, { fromVersionId: currentId });
    actions.push(`Removed AWSPENDING from version ${currentId} so the next rotation can start.`);
  }
  actions.push(`Moved AWSCURRENT from version ${currentId} back to ${previousId} (which is now AWSPREVIOUS's replacement; ${currentId} became AWSPREVIOUS).`);
  return { secretArn: description.arn, restoredVersionId: previousId, replacedVersionId: currentId, actions };
}
