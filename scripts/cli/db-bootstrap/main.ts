/** Entry point of the `db-bootstrap` CLI (package.json bin, `npm run db-bootstrap -- …`). See program.ts. */
import { run } from "./program";

void run(process.argv.slice(2), { stdout: (t) => void process.stdout.write(t), stderr: (t) => void process.stderr.write(t), env: process.env }).then((code) => {
  process.exitCode = code;
});
