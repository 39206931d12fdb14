/**
 * The cdktf app: validated settings -> one stack per subsystem for the chosen environment.
 * Run with `npm run synth` (bundles the functions first) or `npx cdktf synth`.
 */
import { App } from "cdktf";
import { ConfigError, loadConfig } from "./stacks/config";
import { CspmStack } from "./stacks/cspm-stack";
import { RoleVendingStack } from "./stacks/role-vending-stack";
import { CredentialsStack } from "./stacks/credentials-stack";
import { AuroraIamStack } from "./stacks/aurora-iam/aurora-iam-stack";
import { RedshiftAgentStack } from "./stacks/redshift-agent/redshift-agent-stack";

function main(): void {
  const app = new App();
  const contextEnv = app.node.tryGetContext("env") as string | undefined;
  const config = loadConfig({ environment: process.env.PLATFORM_ENV ?? contextEnv });
  const stacks = [CspmStack, RoleVendingStack, CredentialsStack, AuroraIamStack, RedshiftAgentStack].map((Stack) => new Stack(app, config));
  app.synth();
  const offline = config.offline ? " (offline: for planning only, never deploy)" : "";
  console.log(`Synthesised ${stacks.length} stacks for ${config.environment}${offline} into ${app.outdir}/stacks: ${stacks.map((s) => s.node.id).join(", ")}`);
}

try {
  main();
} catch (error) {
  // A configuration or build-order mistake is the user's to fix: one line, no stack trace.
  if (error instanceof ConfigError || (error instanceof Error && /^Bundle .* is missing/.test(error.message))) {
    console.error(`synth failed: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
