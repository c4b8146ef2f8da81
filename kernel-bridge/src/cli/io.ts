/** Where a command writes: injected so tests can call commands without spawning a process. */
export interface Io {
  out(s: string): void;
  err(s: string): void;
  /** The stream the progress bar draws on (stderr of the process). */
  readonly progress: { write(s: string): unknown; readonly isTTY?: boolean; readonly columns?: number };
  /** Read stdin fully (exec reads `-`). */
  readStdin?(): Promise<string>;
}

let pipeGuarded = false;

/** A reader that closed the pipe early (`abw list ops | head`) ends the command quietly. */
function guardBrokenPipe(): void {
  if (pipeGuarded) return;
  pipeGuarded = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(0);
      throw e;
    });
  }
}

export function processIo(): Io {
  guardBrokenPipe();
  return {
    out: (s) => void process.stdout.write(s),
    err: (s) => void process.stderr.write(s),
    progress: process.stderr,
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
  };
}
