/** Entry point of the redshift-agent CLI (package.json bin, `npm run redshift-agent -- …`). */
import { run } from "./program";

void run(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
