/**
 * Secrets Manager's rotation protocol (createSecret, setSecret, testSecret, finishSecret), engine
 * independent. Every step is idempotent, so Secrets Manager's retries and Lambda timeouts are safe:
 * a retry reuses the pending password, a step already done returns, AWSCURRENT is untouched until
 * finishSecret, and AWSPREVIOUS stays for rollback.
 */
import { alternateUsername, baseUsername, parseDatabaseSecret, PASSWORD_EXCLUDE_CHARACTERS, PASSWORD_LENGTH, type DatabaseSecret } from "../shared/contracts/database-secret";
import { STAGE, type RotationEvent } from "../shared/contracts/secret-rotation";
import { versionWithStage, type SecretStore } from "../shared/credentials/secrets-manager";
import type { DatabaseEngine } from "../shared/credentials/engines/engine";

export interface RotationLogger {
  info(message: string, extra: Record<string, unknown>): void;
  warn(message: string, extra: Record<string, unknown>): void;
}

export interface RotationDeps {
  readonly secrets: SecretStore;
  readonly engineFor: (secret: DatabaseSecret) => DatabaseEngine;
  readonly logger: RotationLogger;
}

/** A rotation that cannot proceed; the message says why and what to do (never a password). */
export class RotationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RotationError";
  }
}

export type RotationResult = "done" | "skipped";

export async function rotate(event: RotationEvent, deps: RotationDeps): Promise<RotationResult> {
  const { SecretId: secretId, ClientRequestToken: token, Step: step } = event;
  const description = await deps.secrets.describe(secretId);
  if (!description.rotationEnabled) throw new RotationError(`Secret ${description.name} does not have rotation enabled.`);
  const stages = description.versions[token];
  if (!stages) throw new RotationError(`Secret version ${token} has no stage for rotation of secret ${description.name}.`);
  if (stages.includes(STAGE.current)) {
    deps.logger.info("Version is already AWSCURRENT; nothing to do", { step, secret: description.name });
    return "skipped";
  }
  if (!stages.includes(STAGE.pending)) throw new RotationError(`Secret version ${token} is not set as AWSPENDING for rotation of secret ${description.name}.`);

  const context: StepContext = { secretId: description.arn, name: description.name, token, deps, currentVersionId: versionWithStage(description, STAGE.current) };
  switch (step) {
    case "createSecret":
      return createSecret(context);
    case "setSecret":
      return setSecret(context);
    case "testSecret":
      return testSecret(context);
    case "finishSecret":
      return finishSecret(context);
  }
}

interface StepContext {
  readonly secretId: string;
  readonly name: string;
  readonly token: string;
  readonly deps: RotationDeps;
  readonly currentVersionId?: string;
}

async function read(context: StepContext, selector: { versionId?: string; stage: string }, what: string): Promise<DatabaseSecret | undefined> {
  const value = await context.deps.secrets.getValue(context.secretId, selector);
  return value === undefined ? undefined : parseDatabaseSecret(value, `${context.name} (${what})`);
}

async function required(context: StepContext, selector: { versionId?: string; stage: string }, what: string): Promise<DatabaseSecret> {
  const secret = await read(context, selector, what);
  if (!secret) {
    const hint = selector.stage === STAGE.current ? ": store the credentials with setup-credentials first" : "";
    throw new RotationError(`Secret ${context.name} has no ${what} value${hint}.`);
  }
  return secret;
}

async function createSecret(context: StepContext): Promise<RotationResult> {
  const current = await required(context, { stage: STAGE.current }, "AWSCURRENT");
  const existing = await read(context, { versionId: context.token, stage: STAGE.pending }, "AWSPENDING");
  if (existing) {
    context.deps.logger.info("createSecret: the pending version already has a value; reusing it", { secret: context.name });
    return "skipped";
  }
  const password = await context.deps.secrets.randomPassword(PASSWORD_LENGTH, PASSWORD_EXCLUDE_CHARACTERS);
  const username = current.strategy === "alternating-users" ? alternateUsername(current.username) : current.username;
  // PutSecretValue with AWSPENDING also moves the label off a version an earlier, failed rotation left behind.
  await context.deps.secrets.putPending(context.secretId, context.token, JSON.stringify({ ...current, username, password }));
  context.deps.logger.info("createSecret: stored a new pending version", { secret: context.name, username });
  return "done";
}

/** The confused-deputy guard: a pending secret may only change the user (pair) on the host the current one names. */
function assertSameTarget(context: StepContext, current: DatabaseSecret, other: DatabaseSecret, what: string): void {
  const sameUser = current.strategy === "alternating-users" ? baseUsername(current.username) === baseUsername(other.username) : current.username === other.username;
  if (current.engine !== other.engine || current.host !== other.host || current.port !== other.port || !sameUser) {
    throw new RotationError(`The ${what} version of ${context.name} names another engine, host, port or user than AWSCURRENT; refusing to set a password there.`);
  }
}

async function setSecret(context: StepContext): Promise<RotationResult> {
  const current = await required(context, { stage: STAGE.current }, "AWSCURRENT");
  const pending = await required(context, { versionId: context.token, stage: STAGE.pending }, "AWSPENDING");
  assertSameTarget(context, current, pending, "AWSPENDING");
  const engine = context.deps.engineFor(pending);
  if (await engine.canLogin(pending)) {
    context.deps.logger.info("setSecret: the pending password already works", { secret: context.name });
    return "skipped";
  }

  if (current.strategy === "alternating-users") {
    if (!current.masterarn || pending.masterarn !== current.masterarn) throw new RotationError(`Secret ${context.name} uses alternating users but its versions do not name the same masterarn.`);
    const masterValue = await context.deps.secrets.getValue(current.masterarn, { stage: STAGE.current });
    if (masterValue === undefined) throw new RotationError(`The master secret of ${context.name} has no AWSCURRENT value.`);
    const master = parseDatabaseSecret(masterValue, "the master secret");
    if (master.engine !== pending.engine || master.host !== pending.host || master.port !== pending.port) {
      throw new RotationError(`The master secret of ${context.name} names another engine, host or port; refusing to use it.`);
    }
    await engine.setPassword(master, pending.username, pending.password, { cloneOf: baseUsername(pending.username) === pending.username ? undefined : baseUsername(pending.username) });
    context.deps.logger.info("setSecret: set the alternate user's password", { secret: context.name, username: pending.username });
    return "done";
  }

  let admin: DatabaseSecret | undefined = (await engine.canLogin(current)) ? current : undefined;
  if (!admin) {
    const previous = await read(context, { stage: STAGE.previous }, "AWSPREVIOUS");
    if (previous) {
      assertSameTarget(context, current, previous, "AWSPREVIOUS");
      if (await engine.canLogin(previous)) admin = previous;
    }
  }
  if (!admin) throw new RotationError(`setSecret: neither the AWSCURRENT nor the AWSPREVIOUS password of ${context.name} logs in; rotate after fixing the stored credentials (rollback or setup-credentials).`);
  await engine.setPassword(admin, pending.username, pending.password);
  context.deps.logger.info("setSecret: set the pending password", { secret: context.name, username: pending.username });
  return "done";
}

async function testSecret(context: StepContext): Promise<RotationResult> {
  const current = await read(context, { stage: STAGE.current }, "AWSCURRENT");
  if (!current) {
    // Enabling rotation without rotating immediately runs only testSecret; a secret that awaits
    // setup-credentials has nothing to test yet and must not fail the first apply.
    context.deps.logger.warn("testSecret: the secret has no AWSCURRENT value yet; nothing to test", { secret: context.name });
    return "skipped";
  }
  const pending = await read(context, { versionId: context.token, stage: STAGE.pending }, "AWSPENDING");
  if (!pending) {
    // Enabling rotation without rotating immediately tests against a temporary AWSPENDING version
    // with no value: there is no new password to test yet.
    context.deps.logger.warn("testSecret: the pending version has no value (a rotation configuration check); nothing to test", { secret: context.name });
    return "skipped";
  }
  assertSameTarget(context, current, pending, "AWSPENDING");
  const engine = context.deps.engineFor(pending);
  try {
    await engine.test(pending, { sameGrantsAs: pending.username === current.username ? undefined : current.username });
  } catch (error) {
    if (current.strategy === "single-user" && current.password !== pending.password) await restoreCurrent(context, engine, current, pending);
    throw error;
  }
  context.deps.logger.info("testSecret: the pending credentials log in and hold the required privileges", { secret: context.name });
  return "done";
}

/**
 * Single user: setSecret already changed the password, so a failed test would leave AWSCURRENT
 * unable to log in until a later attempt. Put the current password back; the next attempt sets
 * the pending one again.
 */
async function restoreCurrent(context: StepContext, engine: DatabaseEngine, current: DatabaseSecret, pending: DatabaseSecret): Promise<void> {
  try {
    if (await engine.canLogin(current)) return;
    if (!(await engine.canLogin(pending))) return;
    await engine.setPassword(pending, current.username, current.password);
    context.deps.logger.warn("testSecret failed: restored the AWSCURRENT password so clients keep working", { secret: context.name });
  } catch (error) {
    context.deps.logger.warn("testSecret failed and the AWSCURRENT password could not be restored", { secret: context.name, error: (error as Error).message });
  }
}

async function finishSecret(context: StepContext): Promise<RotationResult> {
  await context.deps.secrets.moveStage(context.secretId, STAGE.current, { toVersionId: context.token, fromVersionId: context.currentVersionId });
  context.deps.logger.info("finishSecret: the pending version is now AWSCURRENT", { secret: context.name, previousVersion: context.currentVersionId });
  return "done";
}
