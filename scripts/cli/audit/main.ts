/**
 * Entry point of `platform-audit` (package.json bin, via scripts/cli/bin/platform-audit.cjs) and of
 * `npm run audit -- ...`: runs the program on the process's arguments.
 */
import { buildProgram } from "./program";

void buildProgram().parseAsync(process.argv);
