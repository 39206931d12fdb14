/**
 * The redshift-agent CLI: ask the Redshift migration agent (chat, clusters, extract-config, assess)
 * and, for administrators, manage who may invoke it (access list|add|remove|rotate-key).
 * Exit codes: 0 done, 1 failed (the message says why), 2 usage or invalid input.
 */
import { createInterface } from "node:readline/promises";
import { Command, CommanderError, Option } from "commander";
import { IAMClient } from "@aws-sdk/client-iam";
import { agentFunctionName, agentUsersGroupName, type AgentResponse } from "../../../functions/shared/contracts/redshift-agent";
import { AWS_CLIENT_DEFAULTS } from "../../../functions/shared/platform/aws-clients";
import { RedshiftAgentClient, RedshiftAgentError } from "./client";
import { AccessError, accessKeys, addMember, createKey, deactivateKey, deleteKey, listMembers, removeMember } from "./access";
import { answerTable, painter, table, type Paint } from "./format";

export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Asks a yes/no question; false when nobody can answer (not a TTY). */
  readonly confirm: (question: string) => Promise<boolean>;
  readonly colour: boolean;
  readonly env: NodeJS.ProcessEnv;
}

export function terminalIo(): CliIo {
  const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY);
  return {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
    confirm: async (question) => {
      if (!interactive) return false;
      const rl = createInterface({ input: process.stdin, output: process.stdout });
      try {
        return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
      } finally {
        rl.close();
      }
    },
    colour: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
    env: process.env,
  };
}

class UsageError extends Error {}

type Output = "table" | "json";
const outputOption = () => new Option("-o, --output <format>", "table or json").choices(["table", "json"]).default("table");
const regionOption = () => new Option("-r, --region <region>", "the Redshift region to look in (default: the agent's own region)");

interface GlobalOptions {
  env: string;
  function?: string;
  agentRegion?: string;
  qualifier?: string;
  endpoint?: string;
}

export function buildProgram(io: CliIo): Command {
  const paint: Paint = painter(io.colour);
  const program = new Command("redshift-agent")
    .description("Ask the private Redshift migration agent about your clusters, and manage who may invoke it.")
    .option("-e, --env <env>", "environment of the deployed agent (dev, staging, prod)", io.env.PLATFORM_ENV ?? "dev")
    .option("--function <name>", "function name or ARN (default: redshift-migration-agent-<env>)")
    .option("--agent-region <region>", "region the agent is deployed in (default: AWS_REGION / your AWS profile)")
    .option("--qualifier <alias>", "alias or version of the function to invoke")
    .addOption(new Option("--endpoint <url>", "Lambda endpoint override (local testing)").default(io.env.REDSHIFT_AGENT_ENDPOINT).hideHelp())
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });

  const globals = () => program.opts<GlobalOptions>();
  const agent = () => {
    const g = globals();
    if (!/^[a-z][a-z0-9-]{0,19}$/.test(g.env)) throw new UsageError(`--env must be an environment name such as dev, got "${g.env}".`);
    return new RedshiftAgentClient({
      functionName: g.function ?? agentFunctionName(g.env),
      qualifier: g.qualifier,
      lambdaConfig: { ...(g.agentRegion ? { region: g.agentRegion } : {}), ...(g.endpoint ? { endpoint: g.endpoint } : {}) },
    });
  };
  const print = (answer: AgentResponse, output: Output, textOnly = false) => io.out(output === "json" ? JSON.stringify(answer, null, 2) : textOnly ? answer.response : answerTable(answer, paint));

  program
    .command("chat")
    .description('Ask in plain words, e.g. redshift-agent chat "List my Redshift clusters in us-east-2"')
    .argument("<message...>", "what to ask")
    .addOption(outputOption())
    .action(async (words: string[], o: { output: Output }) => print(await agent().chat(words.join(" ")), o.output, true));

  program
    .command("clusters")
    .description("List the provisioned Redshift clusters of a region")
    .addOption(regionOption())
    .addOption(outputOption())
    .action(async (o: { region?: string; output: Output }) => print(await agent().listClusters(o.region), o.output));

  program
    .command("extract-config")
    .description("Extract a cluster's configuration (nodes, encryption, network, parameters and WLM, logging, snapshots, maintenance, tags)")
    .argument("<cluster-id>", "the cluster identifier")
    .addOption(regionOption())
    .addOption(outputOption())
    .action(async (id: string, o: { region?: string; output: Output }) => print(await agent().extractConfig(id, o.region), o.output));

  program
    .command("assess")
    .description("Assess a cluster's readiness for Redshift Serverless (base RPU, what carries over, what needs action)")
    .argument("<cluster-id>", "the cluster identifier")
    .addOption(regionOption())
    .addOption(outputOption())
    .action(async (id: string, o: { region?: string; output: Output }) => print(await agent().assessMigration(id, o.region), o.output));

  const access = program.command("access").description("Administrators: who may invoke the agent (members of RedshiftAgentUsers-<env>)");
  const iam = () => new IAMClient({ ...AWS_CLIENT_DEFAULTS, ...(io.env.AWS_REGION ? {} : { region: "us-east-1" }) });
  const group = () => agentUsersGroupName(globals().env);

  access
    .command("list")
    .description("List the users who may invoke the agent")
    .addOption(outputOption())
    .action(async (o: { output: Output }) => {
      const members = await listMembers(iam(), group());
      if (o.output === "json") return io.out(JSON.stringify(members, null, 2));
      io.out(members.length === 0 ? `${group()} has no members.` : table(["USER", "ARN", "CREATED"], members.map((m) => [m.userName, m.arn, m.createdAt?.slice(0, 10) ?? ""]), paint));
    });

  access
    .command("add")
    .description("Let an IAM user invoke the agent (adds them to the group)")
    .argument("<user>", "IAM user name")
    .action(async (user: string) => {
      await addMember(iam(), group(), user);
      io.out(`Added ${user} to ${group()}: they may invoke ${agentFunctionName(globals().env)} (IAM takes a few seconds to apply it).`);
    });

  access
    .command("remove")
    .description("Revoke a user's access (removes them from the group)")
    .argument("<user>", "IAM user name")
    .action(async (user: string) => {
      await removeMember(iam(), group(), user);
      io.out(`Removed ${user} from ${group()}.`);
      io.out(`If ${user} is listed in the settings (redshiftAgent.allowedUsers), remove them there too, or the next deploy adds them back.`);
    });

  access
    .command("rotate-key")
    .description("Rotate a user's access key: create a new one (printed once), then deactivate the old one after confirmation; --finish later deletes it")
    .argument("<user>", "IAM user name")
    .option("-y, --yes", "answer yes to the confirmations (deactivate / delete without asking)")
    .option("--finish", "finish an earlier rotation: deactivate old active keys and delete inactive ones (each after confirmation)")
    .action(async (user: string, o: { yes?: boolean; finish?: boolean }) => {
      const client = iam();
      const keys = await accessKeys(client, user);
      const confirm = (question: string) => (o.yes ? Promise.resolve(true) : io.confirm(question));
      if (o.finish) {
        // The newest ACTIVE key is the one in use: an inactive newest key must never leave the user with none.
        const newest = keys.filter((k) => k.Status === "Active").at(-1);
        for (const key of keys.filter((k) => k.Status === "Active" && k !== newest)) {
          if (await confirm(`Deactivate ${key.AccessKeyId} (created ${key.CreateDate?.toISOString().slice(0, 10)})? ${newest?.AccessKeyId} stays active.`)) {
            await deactivateKey(client, user, key.AccessKeyId!);
            io.out(`Deactivated ${key.AccessKeyId}. Run this again once nothing fails to delete it.`);
          }
        }
        for (const key of keys.filter((k) => k.Status === "Inactive")) {
          if (await confirm(`Delete the inactive key ${key.AccessKeyId}? This cannot be undone.`)) {
            await deleteKey(client, user, key.AccessKeyId!);
            io.out(`Deleted ${key.AccessKeyId}.`);
          }
        }
        return;
      }
      const fresh = await createKey(client, user, keys);
      io.out(paint("bold", `New access key for ${user} (the secret is shown this once; hand it over securely):`));
      io.out(`  AccessKeyId:     ${fresh.accessKeyId}`);
      io.out(`  SecretAccessKey: ${fresh.secretAccessKey}`);
      for (const old of keys.filter((k) => k.Status === "Active")) {
        if (await confirm(`Has ${user} switched to ${fresh.accessKeyId}? Deactivate the old key ${old.AccessKeyId} now?`)) {
          await deactivateKey(client, user, old.AccessKeyId!);
          io.out(`Deactivated ${old.AccessKeyId}; delete it later with: redshift-agent access rotate-key ${user} --finish`);
        } else {
          io.out(`${old.AccessKeyId} stays active. Once ${user} uses the new key: redshift-agent access rotate-key ${user} --finish`);
        }
      }
    });

  for (const command of [...program.commands, ...access.commands]) command.exitOverride().configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });
  return program;
}

/** Runs the CLI; resolves to the exit code. */
export async function run(argv: readonly string[], io: CliIo = terminalIo()): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof UsageError) {
      io.err(`redshift-agent: ${error.message}`);
      return 2;
    }
    if (error instanceof RedshiftAgentError) {
      io.err(`redshift-agent: ${error.message} (${error.code})`);
      return error.code === "InvalidRequest" || error.code === "InvalidRegion" ? 2 : 1;
    }
    if (error instanceof AccessError) {
      io.err(`redshift-agent: ${error.message}`);
      return 1;
    }
    io.err(`redshift-agent: unexpected error: ${(error as Error).message}`);
    return 1;
  }
}
