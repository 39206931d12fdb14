import { compliant, defineRule, nonCompliant, notApplicable } from "./rule";
import { block } from "./support/stack-model";

const SECRET_NAME = /(secret|password|passwd|pwd|token|api[_-]?key|private[_-]?key|credential|connection[_-]?string)/i;
/** Names that carry a pointer to a secret, not the secret. */
const POINTER_NAME = /(_ARN|_NAME|_ID|_URL|_PATH|_PARAMETER)$/i;
const SECRET_VALUE = [/AKIA[0-9A-Z]{16}/, /-----BEGIN [A-Z ]*PRIVATE KEY-----/, /:\/\/[^/\s:@]+:[^/\s@]+@/, /\bghp_[A-Za-z0-9]{30,}/, /\bxox[bap]-[A-Za-z0-9-]{10,}/];

export default defineRule({
  id: "lambda-function-no-secrets-in-environment",
  expects: "No secret values in environment variables: secrets are read at run time from Secrets Manager (the variable holds its ARN).",
  why: "Environment variables are readable with lambda:GetFunctionConfiguration and land in Terraform state in plain text.",
  fix: "Store the value in a Secrets Manager secret, pass its ARN (e.g. MONGODB_SECRET_ARN) and grant secretsmanager:GetSecretValue on it.",
  level: "error",
  resourceTypes: ["aws_lambda_function"],
  check(fn) {
    const variables = block(fn.config.environment)?.variables as Record<string, unknown> | undefined;
    if (!variables || typeof variables !== "object") return notApplicable("no environment variables");
    const bad: string[] = [];
    for (const [name, value] of Object.entries(variables)) {
      const text = String(value);
      if (SECRET_VALUE.some((re) => re.test(text))) bad.push(`${name} (value looks like a credential)`);
      else if (SECRET_NAME.test(name) && !POINTER_NAME.test(name) && !/^\$\{[^}]+\}$/.test(text)) bad.push(`${name} (name says secret)`);
    }
    return bad.length ? nonCompliant(`move ${bad.join(", ")} to Secrets Manager and pass the secret's ARN`) : compliant("no secret values in the environment");
  },
});
