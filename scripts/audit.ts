/**
 * `audit`: command-line audits with the user's AWS credentials.
 *   tsx scripts/audit.ts keys [--key-id ID]... [--region R] [--output table|json] [--save-snapshot F] [--from-snapshot F]
 * Each subcommand lives in scripts/audit/<name>.ts and registers itself with one line below.
 */
import { Command } from "commander";
import { exitOnUsageError } from "./audit/cli";
import { register as registerBuckets } from "./audit/buckets";
import { register as registerKeys } from "./audit/keys";

export function buildProgram(): Command {
  const program = new Command("audit")
    .description("Audit AWS resources against the platform's CSPM checks.")
    .exitOverride(exitOnUsageError);
  registerKeys(program);
  registerBuckets(program);
  return program;
}

if (require.main === module) {
  void buildProgram().parseAsync(process.argv);
}
