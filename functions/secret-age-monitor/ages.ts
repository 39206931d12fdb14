/** Days since each managed secret's last successful rotation (or its creation, if never rotated). */
import type { SecretAge } from "../shared/contracts/secret-age";
import type { SecretStore } from "../shared/credentials/secrets-manager";

const DAY_MS = 86_400_000;

export interface AgeReport {
  readonly ages: SecretAge[];
  /** Secrets whose age could not be read: the monitor reports them as errors, never as young. */
  readonly unreadable: { secretArn: string; error: string }[];
}

export async function measureSecretAges(store: Pick<SecretStore, "describe">, secretArns: readonly string[], now: Date): Promise<AgeReport> {
  const report: AgeReport = { ages: [], unreadable: [] };
  for (const arn of secretArns) {
    try {
      const d = await store.describe(arn);
      const since = d.lastRotatedDate ?? d.createdDate;
      if (!since) throw new Error("DescribeSecret returned neither LastRotatedDate nor CreatedDate");
      report.ages.push({ secretName: d.name, ageDays: Math.max(0, (now.getTime() - since.getTime()) / DAY_MS), lastRotated: d.lastRotatedDate?.toISOString() });
    } catch (error) {
      report.unreadable.push({ secretArn: arn, error: (error as Error).message });
    }
  }
  return report;
}
