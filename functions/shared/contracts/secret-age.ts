/**
 * The secret-age monitor: a scheduled function that publishes, per managed secret, the days since
 * its last successful rotation. The stack's alarms watch exactly these names. Imports only zod.
 */
export const SECRET_AGE_METRICS = {
  namespace: "Credentials",
  service: "secret-age-monitor",
  metricName: "SecretAgeDays",
  /** Dimension naming the secret. */
  dimension: "SecretName",
} as const;

export interface SecretAge {
  readonly secretName: string;
  /** Days since the last successful rotation (or since creation when never rotated). */
  readonly ageDays: number;
  readonly lastRotated?: string;
}
