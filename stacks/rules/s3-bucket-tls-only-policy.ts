import { conditionEquals, statementCoversAction } from "../../functions/shared/iam-policy/policy";
import { compliant, defineRule, nonCompliant } from "./rule";
import { readPolicy } from "./support/iam";

export default defineRule({
  id: "s3-bucket-tls-only-policy",
  expects: "A bucket policy that denies every principal any s3 action on the bucket and its objects when aws:SecureTransport is false.",
  why: "Without it, clients may read or write the bucket over plain HTTP.",
  fix: "Use PrivateBucket, or add to aws_s3_bucket_policy a Deny of s3:* on the bucket ARN and ARN/* for Principal \"*\" with Bool aws:SecureTransport \"false\".",
  level: "error",
  resourceTypes: ["aws_s3_bucket"],
  check(bucket, stack) {
    const policies = stack.referrers(bucket, "aws_s3_bucket_policy", "bucket");
    if (policies.length === 0) return nonCompliant("add an aws_s3_bucket_policy denying requests where aws:SecureTransport is false");
    for (const p of policies) {
      const { policy } = readPolicy(p.config.policy, stack, p.path);
      const deny = policy?.statements.find(
        (s) =>
          s.effect === "Deny" &&
          !s.notPrincipal &&
          s.principals.some((x) => x.kind === "public") &&
          statementCoversAction(s, "s3:GetObject") &&
          statementCoversAction(s, "s3:PutObject") &&
          s.conditions.length === 1 &&
          conditionEquals(s.conditions[0]!, "aws:SecureTransport", "false"),
      );
      if (!deny) continue;
      const resources = deny.notResource ? [] : deny.resources;
      const coversBucket = resources.some((r) => r === "*" || (stack.mentions(r, bucket) && !r.includes("/")) || r.endsWith(":::*"));
      const coversObjects = resources.some((r) => r === "*" || (stack.mentions(r, bucket) && r.endsWith("/*")) || r.endsWith(":::*"));
      if (coversBucket && coversObjects) return compliant(`${p.path} denies non-TLS requests to the bucket and its objects`);
      return nonCompliant(`the TLS-only Deny in ${p.path} must list both the bucket ARN and the bucket ARN/*`);
    }
    return nonCompliant("add a Deny statement for Principal \"*\", Action s3:*, Resource bucket ARN and ARN/*, Condition Bool aws:SecureTransport \"false\"");
  },
});
