/**
 * The cdktf app: validated settings -> one stack per subsystem for the chosen environment.
 * Run with `npm run synth` (bundles the functions first) or `npx cdktf synth`.
 */
import { App, type TerraformStack } from "cdktf";
import { ConfigError, loadConfig, type AppConfig } from "./stacks/config";
import { CspmStack } from "./stacks/cspm/cspm-stack";
import { RoleVendingStack } from "./stacks/role-vending/role-vending-stack";
import { CredentialsStack } from "./stacks/credentials/credentials-stack";
import { AuroraIamStack } from "./stacks/aurora-iam/aurora-iam-stack";
import { RedshiftAgentStack } from "./stacks/redshift-agent/redshift-agent-stack";
import { applyGuardrails, GuardrailsError } from "./stacks/rules/guardrails";

/** One stack per subsystem; `npm run check:iac` builds the same list for every environment. */
export const STACKS = [CspmStack, RoleVendingStack, CredentialsStack, AuroraIamStack, RedshiftAgentStack];

export function addStacks(app: App, config: AppConfig): TerraformStack[] {
  return STACKS.map((Stack) => new Stack(app, config));
}

/** Builds one environment's app in memory (nothing written) and returns each stack's Terraform JSON: `npm run check:iac` judges these. */
export function buildStacks(config: AppConfig, outdir: string): { readonly id: string; readonly terraform: unknown }[] {
  const app = new App({ outdir, stackTraces: false });
  return addStacks(app, config).map((stack) => ({ id: stack.node.id, terraform: stack.toTerraform() }));
}

function main(): void {
  const app = new App();
  const contextEnv = app.node.tryGetContext("env") as string | undefined;
  const config = loadConfig({ environment: process.env.PLATFORM_ENV ?? contextEnv });
  const stacks = addStacks(app, config);
  // Every rule of stacks/rules judges every stack before it is written (docs/guardrails.md).
  applyGuardrails(app, { environment: config.environment, accountId: config.accountId });
  app.synth();
  const offline = config.offline ? " (offline: for planning only, never deploy)" : "";
  console.log(`Synthesised ${stacks.length} stacks for ${config.environment}${offline} into ${app.outdir}/stacks: ${stacks.map((s) => s.node.id).join(", ")}`);
}

if (require.main === module) {
  try {
    main();
  } catch (error) {
    fail(error);
  }
}

function fail(error: unknown): void {
  // A configuration or build-order mistake is the user's to fix: one line, no stack trace.
  if (error instanceof GuardrailsError) {
    console.error(error.message);
    process.exit(1);
  }
  if (error instanceof ConfigError || (error instanceof Error && /^Bundle .* is missing/.test(error.message))) {
    console.error(`synth failed: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
