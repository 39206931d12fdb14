/** Terminal prompts; the password prompt echoes nothing, so it never reaches the screen or shell history. */
import { createInterface } from "node:readline";
import { Writable } from "node:stream";

export interface Prompt {
  ask(question: string, options?: { hidden?: boolean; default?: string }): Promise<string>;
}

export function terminalPrompt(): Prompt {
  return {
    ask(question, options = {}) {
      let muted = false;
      const output = new Writable({
        write(chunk, _encoding, done) {
          if (!muted) process.stderr.write(chunk);
          done();
        },
      });
      const rl = createInterface({ input: process.stdin, output, terminal: true });
      const suffix = options.default ? ` [${options.default}]` : "";
      return new Promise((resolve) => {
        rl.question(`${question}${suffix}: `, (answer) => {
          rl.close();
          if (options.hidden) process.stderr.write("\n");
          resolve(answer.trim() === "" && options.default !== undefined ? options.default : answer);
        });
        muted = options.hidden === true;
      });
    },
  };
}
