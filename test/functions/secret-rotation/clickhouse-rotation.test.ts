import { expect } from "chai";
import { parseDatabaseSecret, type ClickhouseSecret } from "../../../functions/shared/contracts/database-secret";
import { clickhouseEngine, supportsDualPasswords } from "../../../functions/shared/credentials/engines/clickhouse";
import { rollback } from "../../../functions/shared/credentials/rotation-control";
import { startClickhouse, type ClickhouseStandIn } from "../../support/clickhouse-http-server";
import { startRotationHarness, type Harness } from "../../support/rotation-harness";

describe("secret rotation: ClickHouse engine against a local HTTPS interface", function () {
  this.timeout(30_000);
  for (const version of ["24.9.2.42", "23.8.16.40"]) {
    const dual = supportsDualPasswords(version);
    describe(`server ${version} (${dual ? "dual passwords" : "one password"})`, () => {
      let ch: ClickhouseStandIn;
      let h: Harness;
      let n = 0;
      const engine = () => clickhouseEngine({ ca: ch.caCert, backoffMs: () => 1 });
      const stage = async (arn: string, s: string) => parseDatabaseSecret((await h.store.getValue(arn, { stage: s }))!, s) as ClickhouseSecret;

      async function pipelineUser(grants: string[] = ["INSERT:default.events"]): Promise<{ arn: string; initial: ClickhouseSecret }> {
        n += 1;
        const username = `pipeline${n}`;
        ch.addUser(username, `Initial-${n}-Password!`, { grants });
        const initial = parseDatabaseSecret(
          JSON.stringify({ engine: "clickhouse", host: ch.host, port: ch.port, username, password: `Initial-${n}-Password!`, requiredPrivileges: ["INSERT:default.events"] }),
          "t",
        ) as ClickhouseSecret;
        return { arn: await h.createSecret(`avesa/clickhouse/test${n}`, initial), initial };
      }

      before(async () => {
        ch = await startClickhouse({ version });
        h = await startRotationHarness({ engines: { clickhouse: { ca: ch.caCert, backoffMs: () => 1 } } });
      });
      after(async () => {
        await h?.stop();
        await ch?.stop();
      });

      it(dual ? "rotates with both passwords valid until the next rotation" : "rotates by replacing the password", async () => {
        const { arn, initial } = await pipelineUser();
        await h.rotate(arn);
        expect(h.sm.rotations.at(-1)).to.include({ ok: true });
        const first = await stage(arn, "AWSCURRENT");
        expect(await engine().canLogin(first)).to.equal(true);
        expect(await engine().canLogin(initial)).to.equal(dual);
        expect(ch.methodCount(initial.username)).to.equal(dual ? 2 : 1);

        await h.rotate(arn);
        const second = await stage(arn, "AWSCURRENT");
        expect(await engine().canLogin(second)).to.equal(true);
        expect(await engine().canLogin(first)).to.equal(dual);
        expect(await engine().canLogin(initial)).to.equal(false);

        const alters = ch.queries.filter((q) => q.query.startsWith("ALTER USER"));
        expect(alters.every((q) => q.method === "POST")).to.equal(true);
        expect(alters.map((q) => q.query.replace(/'[0-9a-f]{64}'/, "'<hash>'"))).to.include.members(
          dual
            ? [`ALTER USER \`${initial.username}\` IDENTIFIED WITH sha256_hash BY '<hash>'`, `ALTER USER \`${initial.username}\` ADD IDENTIFIED WITH sha256_hash BY '<hash>'`]
            : [`ALTER USER \`${initial.username}\` IDENTIFIED WITH sha256_hash BY '<hash>'`],
        );
        // The clear password never leaves the function.
        const sent = ch.queries.map((q) => q.query).join("\n");
        expect(sent).to.not.include(first.password).and.to.not.include(second.password);
      });

      it("after a rollback, the next rotation keeps the (rolled-back) AWSCURRENT password working and succeeds at once", async () => {
        const { arn, initial } = await pipelineUser();
        await h.rotate(arn);
        const rolled = await rollback(h.store, arn, h.engineFor);
        expect(rolled.actions.join(" ")).to.match(dual ? /still accepts/ : /Set the previous password/);
        expect((await stage(arn, "AWSCURRENT")).password).to.equal(initial.password);

        await h.rotate(arn);
        const record = h.sm.rotations.at(-1)!;
        // No step failed: setSecret did not remove the password it was logged in with.
        expect(record.steps.filter((s) => !s.ok)).to.deep.equal([]);
        const next = await stage(arn, "AWSCURRENT");
        expect(next.password).to.not.equal(initial.password);
        expect(await engine().canLogin(next)).to.equal(true);
        // Dual passwords: the password that was AWSCURRENT during the rotation still works until the next one.
        expect(await engine().canLogin(initial)).to.equal(dual);
      });

      it("testSecret fails when the user lacks a required privilege, and AWSCURRENT keeps working", async () => {
        const { arn, initial } = await pipelineUser([]);
        await h.rotate(arn);
        const record = h.sm.rotations.at(-1)!;
        expect(record.ok).to.equal(false);
        expect(record.error).to.match(/lacks privileges the application needs: INSERT on default\.events/);
        expect(await engine().canLogin(initial)).to.equal(true);
        expect((await stage(arn, "AWSCURRENT")).password).to.equal(initial.password);
      });
    });
  }

  describe("engine", () => {
    let ch: ClickhouseStandIn;
    const secret = (password: string) => parseDatabaseSecret(JSON.stringify({ engine: "clickhouse", host: "127.0.0.1", port: ch.port, username: "svc", password }), "t") as ClickhouseSecret;
    before(async () => {
      ch = await startClickhouse();
      ch.addUser("svc", "Right-Password-1");
    });
    after(() => ch?.stop());

    it("tells rejected credentials (403) from a working login", async () => {
      const engine = clickhouseEngine({ ca: ch.caCert, backoffMs: () => 1 });
      expect(await engine.canLogin(secret("Right-Password-1"))).to.equal(true);
      expect(await engine.canLogin(secret("Wrong-Password-1"))).to.equal(false);
    });

    it("retries a 5xx and succeeds when the server recovers", async () => {
      const engine = clickhouseEngine({ ca: ch.caCert, backoffMs: () => 1 });
      const before = ch.queries.length;
      ch.failNext(2, 503);
      expect(await engine.canLogin(secret("Right-Password-1"))).to.equal(true);
      expect(ch.queries.length - before).to.equal(1);
    });

    it("gives up after three attempts with a clear error, never the password", async () => {
      const engine = clickhouseEngine({ ca: ch.caCert, backoffMs: () => 1 });
      ch.failNext(3, 502);
      const error = await engine.canLogin(secret("Right-Password-1")).then(() => undefined, (e: Error) => e);
      expect(error?.message).to.match(/ClickHouse login failed on 127\.0\.0\.1:\d+ as svc/);
      expect(error?.message).to.not.include("Right-Password-1");
    });

    it("does not retry a syntax error (400)", async () => {
      const engine = clickhouseEngine({ ca: ch.caCert, backoffMs: () => 1 });
      const before = ch.queries.length;
      // A user name the stand-in's ALTER parser does not accept is a syntax error there.
      const error = await engine.setPassword({ ...secret("Right-Password-1") }, "no\nsuch", "x").then(() => undefined, (e: Error) => e);
      expect(error?.message).to.match(/ALTER USER failed/);
      expect(ch.queries.slice(before).filter((q) => q.query.startsWith("ALTER"))).to.have.length(1);
    });

    it("refuses a server certificate it cannot verify", async () => {
      const engine = clickhouseEngine({ backoffMs: () => 1, attempts: 1 });
      const error = await engine.canLogin(secret("Right-Password-1")).then(() => undefined, (e: Error) => e);
      expect(error?.message).to.match(/certificate/i);
    });
  });
});
