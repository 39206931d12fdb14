import { main, processIo } from "../credentials/common";
import { run } from "./program";

main((argv) => run(argv, { io: processIo() }));
