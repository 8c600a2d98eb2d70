/**
 * What a verb may touch of the outside world, passed in so the verbs run
 * in-process in tests exactly as they run from the shell.
 */
export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Whether stderr is a terminal (log lines are then for humans, not JSON). */
  stderrIsTTY: boolean;
  readStdin(): Promise<string>;
}

export function processIO(): CliIO {
  return {
    // The process ends by running out of work rather than process.exit, so
    // these writes always reach a pipe in full.
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    cwd: process.cwd(),
    env: process.env,
    stderrIsTTY: process.stderr.isTTY === true,
    async readStdin() {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
  };
}
