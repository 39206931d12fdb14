/** A captured CLI output sink for the credential command tests. */
import type { Io } from "../../../scripts/cli/credentials/common";

export function captureIo(env: NodeJS.ProcessEnv = {}): Io & { stdout: () => string; stderr: () => string } {
  let out = "";
  let err = "";
  return { out: (t) => void (out += t), err: (t) => void (err += t), isTty: false, env, stdout: () => out, stderr: () => err };
}
