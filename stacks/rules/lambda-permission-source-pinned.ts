import { compliant, defineRule, nonCompliant } from "./rule";

/** Services that invoke without a source ARN to pin: their account is the pin (Secrets Manager rotation). */
export const ACCOUNT_PINNED_SERVICES = ["secretsmanager.amazonaws.com"];

export default defineRule({
  id: "lambda-permission-source-pinned",
  expects: "A permission for a service principal names source_arn (for API Gateway: the deployed stage, not `*`), or source_account where the service sends no ARN; never Principal \"*\".",
  why: "An unpinned permission lets the service invoke the function on behalf of any account's resources (confused deputy); a `*` stage lets undeployed or test stages call it.",
  fix: "IamRestApi and EventTrigger pin their permissions; otherwise set source_arn (API Gateway: <execution ARN>/<stage>/<METHOD>/<path>) or source_account.",
  level: "error",
  resourceTypes: ["aws_lambda_permission"],
  check(permission) {
    const principal = String(permission.config.principal ?? "");
    const sourceArn = permission.config.source_arn as string | undefined;
    if (principal === "*") return nonCompliant("name a principal instead of \"*\"");
    if (!principal.endsWith(".amazonaws.com")) return compliant("granted to a named account or role, not a service");
    if (ACCOUNT_PINNED_SERVICES.includes(principal) && !sourceArn) {
      return permission.config.source_account ? compliant("pinned to the source account (the service sends no source ARN)") : nonCompliant("set source_account to this account");
    }
    if (!sourceArn || sourceArn.trim() === "*") return nonCompliant("set source_arn to the resource that invokes the function");
    if (principal === "apigateway.amazonaws.com") {
      const afterApi = sourceArn.replace(/^\$\{[^}]+\}/, "").replace(/^arn:[^:]+:execute-api:[^:]+:[^:]+:[^/]+/, "");
      const stage = afterApi.split("/")[1];
      if (stage === undefined || stage === "" || stage.includes("*")) return nonCompliant(`pin source_arn to the deployed stage: ${sourceArn} allows every stage`);
    }
    return compliant(`pinned to ${sourceArn}`);
  },
});
