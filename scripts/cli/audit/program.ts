/**
 * `platform-audit`: command-line audits with the user's AWS credentials.
 *   platform-audit keys [--key-id ID]... [--region R] [--output table|json] [--save-snapshot F] [--from-snapshot F]
 *   (also `npm run audit -- ...` and `tsx scripts/cli/audit/main.ts ...`)
 * Each subcommand lives in scripts/cli/audit/<name>.ts and registers itself with one line below.
 */
import { Command } from "commander";
import { exitOnUsageError } from "./cli";
import { register as registerBuckets } from "./buckets";
import { register as registerKeys } from "./keys";

export function buildProgram(): Command {
  const program = new Command("platform-audit")
    .description("Audit AWS resources against the platform's CSPM checks.")
    .exitOverride(exitOnUsageError);
  registerKeys(program);
  registerBuckets(program);
  return program;
}
