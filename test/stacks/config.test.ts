import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { loadConfig } from "../../stacks/config";
import { SETTINGS } from "../../stacks/settings";

const ROOT = resolve(__dirname, "..", "..");

function withDev(change: (dev: Record<string, any>) => void): unknown {
  const copy = JSON.parse(JSON.stringify(SETTINGS));
  change(copy.dev);
  return copy;
}

describe("configuration", () => {
  it("validates every shipped environment", () => {
    for (const environment of ["dev", "staging", "prod"]) {
      const config = loadConfig({ environment, offline: false });
      expect(config.environment).to.equal(environment);
      expect(config.accountId).to.match(/^\d{12}$/);
    }
  });

  it("defaults to dev and is offline only when asked", () => {
    const saved = { env: process.env.PLATFORM_ENV, offline: process.env.PLATFORM_OFFLINE };
    delete process.env.PLATFORM_ENV;
    delete process.env.PLATFORM_OFFLINE;
    try {
      const config = loadConfig();
      expect(config.environment).to.equal("dev");
      expect(config.offline).to.equal(false);
    } finally {
      if (saved.env !== undefined) process.env.PLATFORM_ENV = saved.env;
      if (saved.offline !== undefined) process.env.PLATFORM_OFFLINE = saved.offline;
    }
  });

  const cases: [string, (dev: Record<string, any>) => void, RegExp][] = [
    ["a bad region", (d) => (d.region = "moon-1"), /^Invalid setting environments\.dev\.region: expected an AWS region such as eu-west-1, got "moon-1"\.$/],
    ["a missing account id", (d) => delete d.accountId, /^Missing setting environments\.dev\.accountId: expected string\.$/],
    ["a log retention CloudWatch does not offer", (d) => (d.logRetentionDays = 10), /^Invalid setting environments\.dev\.logRetentionDays: expected one of 1, 3, 5, 7, .*got 10\.$/],
    ["a nested bad value", (d) => (d.cspm.auditSchedule = "every day"), /^Invalid setting environments\.dev\.cspm\.auditSchedule: expected an EventBridge schedule/],
    ["an unknown key", (d) => (d.colour = "blue"), /^Unknown setting environments\.dev\.colour: remove it or check its spelling\.$/],
    ["a bad e-mail", (d) => (d.alarmEmail = "nobody"), /^Invalid setting environments\.dev\.alarmEmail: expected an e-mail address/],
  ];
  for (const [what, change, message] of cases) {
    it(`names the key and what is allowed for ${what}`, () => {
      expect(() => loadConfig({ environment: "dev", settings: withDev(change) })).to.throw(message);
    });
  }

  it("rejects an unknown environment with the allowed names", () => {
    expect(() => loadConfig({ environment: "qa" })).to.throw(/^Unknown environment "qa": .* one of dev, staging, prod\.$/);
  });

  it("fails synth with one line and no stack trace when a setting is broken", () => {
    const dir = mkdtempSync(join(tmpdir(), "settings-"));
    const file = join(dir, "settings.json");
    writeFileSync(file, JSON.stringify(withDev((d) => (d.namePrefix = "Bad_Prefix"))));
    const run = spawnSync(process.execPath, [require.resolve("tsx/cli"), "main.ts"], {
      cwd: ROOT,
      env: { ...process.env, PLATFORM_SETTINGS_FILE: file, CDKTF_OUTDIR: join(dir, "out") },
      encoding: "utf8",
    });
    expect(run.status).to.equal(1);
    const lines = run.stderr.trim().split("\n").filter((l) => !/NodeVersionSupportWarning|node >=22|^$/.test(l));
    expect(lines).to.deep.equal([
      'synth failed: Invalid setting environments.dev.namePrefix: expected lower-case letters, digits and dashes, 2 to 20 characters, starting with a letter, got "Bad_Prefix".',
    ]);
  });
});
