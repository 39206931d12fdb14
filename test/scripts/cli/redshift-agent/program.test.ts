/**
 * The redshift-agent CLI end to end: the real program, client and @aws-sdk/client-lambda against the
 * local Lambda Invoke API running the real agent (Redshift mocked); the access commands against
 * aws-sdk-client-mock for IAM.
 */
import { expect } from "chai";
import {
  AddUserToGroupCommand,
  CreateAccessKeyCommand,
  DeleteAccessKeyCommand,
  GetGroupCommand,
  GetUserCommand,
  IAMClient,
  ListAccessKeysCommand,
  NoSuchEntityException,
  RemoveUserFromGroupCommand,
  UpdateAccessKeyCommand,
} from "@aws-sdk/client-iam";
import { mockClient } from "aws-sdk-client-mock";
import { agentFunctionName } from "../../../../functions/shared/contracts/redshift-agent";
import { run, type CliIo } from "../../../../scripts/cli/redshift-agent/program";
import { startInvokeServer, type InvokeServer } from "../../../support/lambda-invoke-server";
import { loadAgentHandler, mockRedshift, type RedshiftMocks } from "../../../support/redshift-fixtures";

interface Captured extends CliIo {
  readonly stdout: string[];
  readonly stderr: string[];
  readonly questions: string[];
}

function capture(env: NodeJS.ProcessEnv, answers: boolean[] = []): Captured {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const questions: string[] = [];
  return {
    stdout,
    stderr,
    questions,
    out: (t) => stdout.push(t),
    err: (t) => stderr.push(t),
    confirm: async (q) => {
      questions.push(q);
      return answers.shift() ?? false;
    },
    colour: false,
    env,
  };
}

describe("redshift-agent CLI", () => {
  describe("agent commands (end to end through the Lambda Invoke API)", () => {
    let server: InvokeServer;
    let mocks: RedshiftMocks;
    let env: NodeJS.ProcessEnv;
    let savedEnv: NodeJS.ProcessEnv;
    before(async () => {
      server = await startInvokeServer({ [agentFunctionName("dev")]: loadAgentHandler() });
      env = { REDSHIFT_AGENT_ENDPOINT: server.endpoint, AWS_REGION: "us-east-2", AWS_ACCESS_KEY_ID: "AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY: "secret" };
    });
    after(() => server.close());
    beforeEach(() => {
      mocks = mockRedshift();
      // The SDK reads credentials and region from the process environment.
      savedEnv = { ...process.env };
      Object.assign(process.env, { AWS_REGION: "us-east-2", AWS_ACCESS_KEY_ID: "AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY: "secret" });
    });
    afterEach(() => {
      mocks.restore();
      for (const key of ["AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]) {
        if (savedEnv[key] === undefined) delete process.env[key];
        else process.env[key] = savedEnv[key];
      }
    });

    it("clusters --output table", async () => {
      const io = capture(env);
      expect(await run(["clusters", "--region", "us-east-2"], io)).to.equal(0);
      const [text] = io.stdout;
      expect(text.split("\n")[0]).to.match(/^CLUSTER\s+STATUS\s+NODES\s+NODE TYPE\s+ENCRYPTED\s+PUBLIC\s+CREATED$/);
      expect(text).to.match(/legacy-dw\s+available\s+4\s+dc2\.large\s+no\s+yes/);
      expect(server.invocations.at(-1)?.payload).to.deep.equal({ action: "list_clusters", region: "us-east-2" });
    });

    it("extract-config --output json prints the contract's answer", async () => {
      const io = capture(env);
      expect(await run(["extract-config", "analytics-prod", "--output", "json"], io)).to.equal(0);
      expect(JSON.parse(io.stdout[0]).data.config.parameterGroup.wlm.mode).to.equal("manual");
    });

    it("assess prints readiness, base RPU and items by severity", async () => {
      const io = capture(env);
      expect(await run(["assess", "analytics-prod"], io)).to.equal(0);
      expect(io.stdout[0]).to.contain("analytics-prod (us-east-2) → Redshift Serverless: blocked").and.contain("Suggested base RPU: 16").and.match(/HIGH\s+Subnets/);
    });

    it("chat prints the agent's text", async () => {
      const io = capture(env);
      expect(await run(["chat", "List", "my", "Redshift", "clusters"], io)).to.equal(0);
      expect(io.stdout[0]).to.contain("2 Redshift clusters in us-east-2");
    });

    it("exits 2 with the agent's sentence for invalid input, 1 for a missing cluster", async () => {
      const bad = capture(env);
      expect(await run(["assess", "not_valid!"], bad)).to.equal(2);
      expect(bad.stderr[0]).to.contain("cluster_id").and.contain("(InvalidRequest)");
      const missing = capture(env);
      expect(await run(["assess", "ghost"], missing)).to.equal(1);
      expect(missing.stderr[0]).to.contain("no Redshift cluster named ghost");
    });

    it("exits 2 for usage errors", async () => {
      const io = capture(env);
      expect(await run(["clusters", "--output", "xml"], io)).to.equal(2);
      expect(io.stderr.join("\n")).to.contain("Allowed choices are table, json");
    });
  });

  describe("access (IAM mocked)", () => {
    let iam: ReturnType<typeof mockClient>;
    const env = { AWS_REGION: "us-east-1" };
    beforeEach(() => {
      iam = mockClient(IAMClient);
    });
    afterEach(() => iam.restore());

    it("lists the members of the environment's group, every page", async () => {
      iam.on(GetGroupCommand, { GroupName: "RedshiftAgentUsers-prod" })
        .resolvesOnce({ Group: undefined, Users: [{ UserName: "bob", Arn: "arn:aws:iam::1:user/bob", Path: "/", UserId: "B", CreateDate: new Date("2025-01-01") }], IsTruncated: true, Marker: "m" })
        .resolvesOnce({ Group: undefined, Users: [{ UserName: "alice", Arn: "arn:aws:iam::1:user/alice", Path: "/", UserId: "A", CreateDate: new Date("2025-02-01") }] });
      const io = capture(env);
      expect(await run(["--env", "prod", "access", "list"], io)).to.equal(0);
      expect(io.stdout[0].split("\n").slice(1).map((l) => l.split(/\s+/)[0])).to.deep.equal(["alice", "bob"]);
    });

    it("adds an existing user and refuses an unknown one", async () => {
      iam.on(GetUserCommand, { UserName: "alice" }).resolves({ User: { UserName: "alice", Arn: "a", Path: "/", UserId: "A", CreateDate: new Date() } });
      iam.on(GetUserCommand, { UserName: "ghost" }).rejects(new NoSuchEntityException({ message: "The user with name ghost cannot be found.", $metadata: {} }));
      iam.on(AddUserToGroupCommand).resolves({});
      const ok = capture(env);
      expect(await run(["access", "add", "alice"], ok)).to.equal(0);
      expect(iam.commandCalls(AddUserToGroupCommand)[0].args[0].input).to.deep.equal({ GroupName: "RedshiftAgentUsers-dev", UserName: "alice" });
      const missing = capture(env);
      expect(await run(["access", "add", "ghost"], missing)).to.equal(1);
      expect(missing.stderr[0]).to.contain("IAM user ghost: not found");
      expect(iam.commandCalls(AddUserToGroupCommand)).to.have.length(1);
    });

    it("removes a user and warns about settings", async () => {
      iam.on(RemoveUserFromGroupCommand).resolves({});
      const io = capture(env);
      expect(await run(["access", "remove", "alice"], io)).to.equal(0);
      expect(io.stdout.join("\n")).to.contain("Removed alice from RedshiftAgentUsers-dev").and.contain("redshiftAgent.allowedUsers");
    });

    describe("rotate-key", () => {
      const oldKey = { UserName: "alice", AccessKeyId: "AKIAOLD", Status: "Active" as const, CreateDate: new Date("2024-01-01") };
      const newKey = { UserName: "alice", AccessKeyId: "AKIANEW", Status: "Active" as const, CreateDate: new Date("2026-01-01") };

      it("prints the new key once and deactivates the old one only after confirmation", async () => {
        iam.on(ListAccessKeysCommand).resolves({ AccessKeyMetadata: [oldKey] });
        iam.on(CreateAccessKeyCommand).resolves({ AccessKey: { UserName: "alice", AccessKeyId: "AKIANEW", SecretAccessKey: "s3cr3t", Status: "Active" } });
        iam.on(UpdateAccessKeyCommand).resolves({});
        const declined = capture(env, [false]);
        expect(await run(["access", "rotate-key", "alice"], declined)).to.equal(0);
        expect(declined.stdout.filter((l) => l.includes("s3cr3t"))).to.have.length(1);
        expect(declined.questions[0]).to.contain("Deactivate the old key AKIAOLD");
        expect(iam.commandCalls(UpdateAccessKeyCommand)).to.have.length(0);
        expect(declined.stdout.join("\n")).to.contain("rotate-key alice --finish");

        const confirmed = capture(env, [true]);
        expect(await run(["access", "rotate-key", "alice"], confirmed)).to.equal(0);
        expect(iam.commandCalls(UpdateAccessKeyCommand)[0].args[0].input).to.deep.equal({ UserName: "alice", AccessKeyId: "AKIAOLD", Status: "Inactive" });
        expect(iam.commandCalls(DeleteAccessKeyCommand)).to.have.length(0); // deleted later, not now
      });

      it("refuses a third key, naming the inactive one to delete first", async () => {
        iam.on(ListAccessKeysCommand).resolves({ AccessKeyMetadata: [{ ...oldKey, Status: "Inactive" }, newKey] });
        const io = capture(env);
        expect(await run(["access", "rotate-key", "alice"], io)).to.equal(1);
        expect(io.stderr[0]).to.contain("AKIAOLD is inactive").and.contain("--finish");
        expect(iam.commandCalls(CreateAccessKeyCommand)).to.have.length(0);
      });

      it("--finish never deactivates the only active key when the newest key is the inactive one", async () => {
        iam.on(ListAccessKeysCommand).resolves({ AccessKeyMetadata: [oldKey, { ...newKey, Status: "Inactive" }] });
        iam.on(UpdateAccessKeyCommand).resolves({});
        iam.on(DeleteAccessKeyCommand).resolves({});
        const io = capture(env);
        expect(await run(["access", "rotate-key", "alice", "--finish", "--yes"], io)).to.equal(0);
        expect(iam.commandCalls(UpdateAccessKeyCommand)).to.have.length(0); // AKIAOLD is the key in use
        expect(iam.commandCalls(DeleteAccessKeyCommand).map((c) => c.args[0].input.AccessKeyId)).to.deep.equal(["AKIANEW"]);
      });

      it("--finish deletes the inactive key after confirmation and never touches the newest", async () => {
        iam.on(ListAccessKeysCommand).resolves({ AccessKeyMetadata: [newKey, { ...oldKey, Status: "Inactive" }] });
        iam.on(DeleteAccessKeyCommand).resolves({});
        const declined = capture(env, [false]);
        expect(await run(["access", "rotate-key", "alice", "--finish"], declined)).to.equal(0);
        expect(iam.commandCalls(DeleteAccessKeyCommand)).to.have.length(0);
        const confirmed = capture(env);
        expect(await run(["access", "rotate-key", "alice", "--finish", "--yes"], confirmed)).to.equal(0);
        expect(iam.commandCalls(DeleteAccessKeyCommand).map((c) => c.args[0].input.AccessKeyId)).to.deep.equal(["AKIAOLD"]);
        expect(iam.commandCalls(UpdateAccessKeyCommand)).to.have.length(0);
      });
    });
  });
});
