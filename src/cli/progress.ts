/**
 * A progress indicator on stderr for anything that waits for blocks: a spinner with the elapsed
 * time on a terminal, one line per step otherwise (CI logs, pipes), and nothing at all when the
 * command prints JSON for a script. stdout stays clean for the result.
 */
const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

export interface Progress {
  /** Shows `label` while `work` runs; returns its result. */
  during<T>(label: string, work: Promise<T>): Promise<T>;
}

export function progress(options: { quiet?: boolean; stream?: NodeJS.WriteStream } = {}): Progress {
  const stream = options.stream ?? process.stderr;
  return {
    async during<T>(label: string, work: Promise<T>): Promise<T> {
      if (options.quiet) return work;
      if (!stream.isTTY) {
        stream.write(`${label}…\n`);
        return work;
      }
      const started = Date.now();
      let frame = 0;
      const draw = () => {
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        stream.write(`\r${FRAMES[frame++ % FRAMES.length]} ${label} (${seconds} s)`);
      };
      draw();
      const timer = setInterval(draw, 100);
      try {
        return await work;
      } finally {
        clearInterval(timer);
        stream.write("\r\x1b[2K");
      }
    },
  };
}
