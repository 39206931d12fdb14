/**
 * The cdktf app: validated settings -> one stack per subsystem for the chosen environment.
 * Run with `npm run synth` (bundles the functions first) or `npx cdktf synth`.
 */
import { App } from "cdktf";
import { ConfigError, loadConfig } from "./stacks/config";
import { CspmStack } from "./stacks/cspm-stack";
import { RoleVendingStack } from "./stacks/role-vending-stack";
import { CredentialsStack } from "./stacks/credentials-stack";
import { AuroraIamStack } from "./stacks/aurora-iam-stack";
import { RedshiftAgentStack } from "./stacks/redshift-agent-stack";

function main(): void {
  const app = new App();
  const contextEnv = app.node.tryGetContext("env") as string | undefined;
  const config = loadConfig({ environment: process.env.PLATFORM_ENV ?? contextEnv });
  new CspmStack(app, config);
  new RoleVendingStack(app, config);
  new CredentialsStack(app, config);
  new AuroraIamStack(app, config);
  new RedshiftAgentStack(app, config);
  app.synth();
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
