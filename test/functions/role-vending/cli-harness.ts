/** Runs the `iam-role-vendor` CLI in-process as one of the test users, capturing its output. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { run, type CliIo } from "../../../scripts/cli/iam-role-vendor/main";
import { USERS } from "./real-api";

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function capture(): Writable & { text: string; isTTY: boolean } {
  const w = new Writable({
    write(chunk, _enc, done) {
      w.text += String(chunk);
      done();
    },
  }) as Writable & { text: string; isTTY: boolean };
  w.text = "";
  w.isTTY = false;
  return w;
}

export function cliAs(user: keyof typeof USERS, apiUrl: string, options: Partial<CliIo> & { cacheDir?: string; mfaCode?: boolean; env?: NodeJS.ProcessEnv } = {}) {
  const cacheDir = options.cacheDir ?? mkdtempSync(join(tmpdir(), `vendor-${user}-`));
  const invoke = async (...args: string[]): Promise<CliRun> => {
    const stdout = capture();
    const stderr = capture();
    const globals = ["--api-url", apiUrl, "--region", "eu-west-1", "--cache-dir", cacheDir, ...(options.mfaCode === false ? [] : ["--mfa-code", "123456"])];
    const code = await run([...globals, ...args], {
      stdout,
      stderr,
      env: options.env ?? {},
      baseCredentials: async () => USERS[user].longTerm,
      sleep: async () => undefined,
      ...options,
    });
    return { code, stdout: stdout.text, stderr: stderr.text };
  };
  return Object.assign(invoke, { cacheDir });
}
