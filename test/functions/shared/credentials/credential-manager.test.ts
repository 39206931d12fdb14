import { expect } from "chai";
import { CredentialManager } from "../../../../functions/shared/credentials/credential-manager";
import type { SecretStore } from "../../../../functions/shared/credentials/secrets-manager";

const secret = (password: string, username = "pipeline") => JSON.stringify({ engine: "postgres", host: "db.internal", port: 5432, username, password });

/** An in-memory secret source that counts reads; `delayMs` keeps fetches in flight. */
function source(values: Record<string, string | undefined>, delayMs = 0) {
  const reads: string[] = [];
  const store: Pick<SecretStore, "getValue"> = {
    async getValue(id, { stage }) {
      reads.push(`${id}|${stage}`);
      if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
      return values[`${id}|${stage}`];
    },
  };
  return { store, reads, values };
}

class AuthFailure extends Error {}
const isAuth = (e: unknown) => e instanceof AuthFailure;

describe("credential manager", () => {
  it("caches a secret for its TTL and fetches again after it", async () => {
    let now = 1_000;
    const s = source({ "avesa/postgres/dev|AWSCURRENT": secret("Pw-1") });
    const manager = new CredentialManager({ secrets: s.store, ttlMs: 60_000, now: () => now });
    expect((await manager.getCredentials("postgres", "dev")).password).to.equal("Pw-1");
    await manager.getCredentials("postgres", "dev");
    expect(s.reads).to.have.length(1);
    now += 60_001;
    s.values["avesa/postgres/dev|AWSCURRENT"] = secret("Pw-2");
    expect((await manager.getCredentials("postgres", "dev")).password).to.equal("Pw-2");
    expect(s.reads).to.have.length(2);
  });

  it("shares one fetch between concurrent callers (single flight)", async () => {
    const s = source({ "avesa/postgres/dev|AWSCURRENT": secret("Pw-1") }, 20);
    const manager = new CredentialManager({ secrets: s.store });
    const results = await Promise.all(Array.from({ length: 25 }, () => manager.getCredentials("postgres", "dev")));
    expect(new Set(results.map((r) => r.password))).to.deep.equal(new Set(["Pw-1"]));
    expect(s.reads).to.deep.equal(["avesa/postgres/dev|AWSCURRENT"]);
  });

  it("names the secret when it is missing or malformed, and never echoes its value", async () => {
    const s = source({ "avesa/postgres/prod|AWSCURRENT": JSON.stringify({ engine: "postgres", host: "db", username: "x", password: "Leaky-Pw-123", port: "5432" }) });
    const manager = new CredentialManager({ secrets: s.store });
    const missing = await manager.getCredentials("postgres", "dev").then(() => undefined, (e: Error) => e);
    expect(missing?.message).to.equal("Secret avesa/postgres/dev has no current value: store it with setup-credentials --engine postgres --environment dev.");
    const malformed = await manager.getCredentials("postgres", "prod").then(() => undefined, (e: Error) => e);
    expect(malformed?.message).to.match(/^Secret avesa\/postgres\/prod is malformed: port: /);
    expect(malformed?.message).to.not.include("Leaky-Pw-123");
  });

  it("refuses a secret of another engine", async () => {
    const s = source({ "avesa/clickhouse/dev|AWSCURRENT": secret("Pw-1") });
    const error = await new CredentialManager({ secrets: s.store }).getCredentials("clickhouse", "dev").then(() => undefined, (e: Error) => e);
    expect(error?.message).to.equal("Secret avesa/clickhouse/dev holds postgres credentials, not clickhouse.");
  });

  it("refreshes once on an authentication failure and retries with the newer AWSCURRENT", async () => {
    const s = source({ "avesa/postgres/dev|AWSCURRENT": secret("Old-Pw-1") });
    const manager = new CredentialManager({ secrets: s.store });
    await manager.getCredentials("postgres", "dev");
    s.values["avesa/postgres/dev|AWSCURRENT"] = secret("New-Pw-1"); // rotated behind the cache
    const used: string[] = [];
    const result = await manager.withCredentials(
      "postgres",
      "dev",
      async (c) => {
        used.push(c.password);
        if (c.password !== "New-Pw-1") throw new AuthFailure("28P01");
        return "ok";
      },
      isAuth,
    );
    expect(result).to.equal("ok");
    expect(used).to.deep.equal(["Old-Pw-1", "New-Pw-1"]);
    expect(s.reads.slice(0, 2)).to.deep.equal(["avesa/postgres/dev|AWSCURRENT", "avesa/postgres/dev|AWSCURRENT"]);
  });

  it("tries AWSPENDING during a rotation, when only the pending password works", async () => {
    const s = source({ "avesa/postgres/dev|AWSCURRENT": secret("Old-Pw-1"), "avesa/postgres/dev|AWSPENDING": secret("Pending-Pw-1") });
    const manager = new CredentialManager({ secrets: s.store });
    const result = await manager.withCredentials("postgres", "dev", async (c) => (c.password === "Pending-Pw-1" ? c.password : Promise.reject(new AuthFailure())), isAuth);
    expect(result).to.equal("Pending-Pw-1");
  });

  it("gives a clear error when no newer credentials exist, and passes other errors through unchanged", async () => {
    const s = source({ "avesa/postgres/dev|AWSCURRENT": secret("Old-Pw-1") });
    const manager = new CredentialManager({ secrets: s.store });
    const auth = await manager.withCredentials("postgres", "dev", () => Promise.reject(new AuthFailure()), isAuth).then(() => undefined, (e: Error) => e);
    expect(auth?.message).to.equal("The database rejected the current credentials of avesa/postgres/dev (pipeline@db.internal) and no newer ones work; check rotation-status.");
    const network = new Error("ECONNREFUSED");
    const other = await manager.withCredentials("postgres", "dev", () => Promise.reject(network), isAuth).then(() => undefined, (e: Error) => e);
    expect(other).to.equal(network);
  });

  it("uses secret names from the caller's settings", async () => {
    const s = source({ "team/pg/staging|AWSCURRENT": secret("Pw-1") });
    const manager = new CredentialManager({ secrets: s.store, secretName: (engine, env) => `team/${engine === "postgres" ? "pg" : "ch"}/${env}` });
    expect((await manager.getCredentials("postgres", "staging")).password).to.equal("Pw-1");
  });

  it("reads again when a rotation finishes between reading AWSCURRENT and AWSPENDING", async () => {
    const s = source({ "avesa/postgres/dev|AWSCURRENT": secret("Old-Pw-1") });
    const manager = new CredentialManager({ secrets: s.store });
    await manager.getCredentials("postgres", "dev");
    // The database already has the next rotation's password; the secret only catches up after our first refresh.
    const store = s.store;
    let reads = 0;
    const racing = new CredentialManager({
      secrets: {
        async getValue(id, selector) {
          reads += 1;
          if (reads === 3) s.values["avesa/postgres/dev|AWSCURRENT"] = secret("Next-Pw-1");
          return store.getValue(id, selector);
        },
      },
    });
    const result = await racing.withCredentials("postgres", "dev", async (c) => (c.password === "Next-Pw-1" ? "ok" : Promise.reject(new AuthFailure())), isAuth);
    expect(result).to.equal("ok");
  });
});
