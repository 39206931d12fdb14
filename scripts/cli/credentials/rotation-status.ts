/** A secret's rotation state, judged from DescribeSecret: pure, so the CLI and validate-security share it. */
import { STAGE } from "../../../functions/shared/contracts/secret-rotation";
import { versionWithStage, type SecretDescription } from "../../../functions/shared/credentials/secrets-manager";

export interface RotationStatus {
  readonly secret: string;
  readonly rotationEnabled: boolean;
  readonly rotationDays?: number;
  readonly lastRotated?: string;
  readonly nextRotation?: string;
  /** A rotation that has not completed: AWSPENDING on a version other than AWSCURRENT. */
  readonly pendingVersion?: string;
  readonly hasPrevious: boolean;
  /** Overdue: no successful rotation within its period (plus grace). */
  readonly overdue: boolean;
  readonly problems: string[];
}

export function rotationStatus(d: SecretDescription, now: Date, graceDays = 2): RotationStatus {
  const current = versionWithStage(d, STAGE.current);
  const pending = versionWithStage(d, STAGE.pending);
  const since = d.lastRotatedDate ?? d.createdDate;
  const overdue = d.rotationDays !== undefined && since !== undefined && now.getTime() - since.getTime() > (d.rotationDays + graceDays) * 86_400_000;
  const problems: string[] = [];
  if (!d.rotationEnabled) problems.push("rotation is not enabled");
  if (!current) problems.push("no value yet (run setup-credentials)");
  if (pending && pending !== current) problems.push(`a rotation is not complete (AWSPENDING on ${pending}): failing or in progress`);
  if (overdue) problems.push(`not rotated for more than ${d.rotationDays} days`);
  return {
    secret: d.name,
    rotationEnabled: d.rotationEnabled,
    rotationDays: d.rotationDays,
    lastRotated: d.lastRotatedDate?.toISOString(),
    nextRotation: d.nextRotationDate?.toISOString(),
    pendingVersion: pending && pending !== current ? pending : undefined,
    hasPrevious: versionWithStage(d, STAGE.previous) !== undefined,
    overdue,
    problems,
  };
}
