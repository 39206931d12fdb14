/** The judgement S3.2 (public read) and S3.3 (public write) share; each check file supplies its metadata and access kind. */
import { type CheckMetadata, type CheckResult, result } from "../../check";
import { type AccessKind, judgeExposure, policyStatusNote } from "./exposure";
import type { BucketCheckInput } from "./types";

export function evaluatePublicAccess(metadata: CheckMetadata, kind: AccessKind, { bucket, context }: BucketCheckInput): CheckResult {
  const verdict = judgeExposure(bucket, context, kind);
  const status = policyStatusNote(bucket, verdict.policyPublic);
  const open = verdict.exposures.filter((e) => e.state === "open");
  const unknown = verdict.exposures.filter((e) => e.state === "unknown");
  const blocked = verdict.exposures.filter((e) => e.state === "blocked");
  const details: Record<string, unknown> = {
    exposures: verdict.exposures,
    guardedGrants: verdict.guarded,
    ...(status.s3PolicyStatusIsPublic !== undefined ? { s3PolicyStatusIsPublic: status.s3PolicyStatusIsPublic, policyStatusDisagrees: true } : {}),
  };
  if (open.length > 0) {
    return result(metadata, "FAILED", `Bucket ${bucket.name} is publicly ${kind.label === "read" ? "readable" : "writable"}: ${open.map((e) => e.description).join("; ")}.${status.note}`, { details });
  }
  const missing = [...unknown.map((e) => ({ source: `Block Public Access (${e.description})`, errorCode: e.errorCode ?? "UnknownError" })), ...verdict.unreadable];
  if (missing.length > 0) {
    return result(
      metadata,
      "NOT_AVAILABLE",
      `Cannot tell whether bucket ${bucket.name} is publicly ${kind.label === "read" ? "readable" : "writable"}: could not read ${missing.map((m) => `${m.source} (${m.errorCode})`).join(", ")}.${status.note}`,
      { errorCode: missing[0]!.errorCode, details },
    );
  }
  const notes = [
    ...blocked.map((e) => `${e.description}, neutralised by ${e.blockedBy}`),
    ...verdict.guarded,
  ];
  const reason = `Bucket ${bucket.name} is not publicly ${kind.label === "read" ? "readable" : "writable"}${notes.length > 0 ? ` (${notes.join("; ")})` : ""}.${status.note}`;
  return result(metadata, "PASSED", reason, { details });
}
