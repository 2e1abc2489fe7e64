/**
 * Where the CLI writes: results to stdout, progress and errors to stderr. Commands get an Io so
 * tests can capture what they print.
 */
export interface Io {
  /** Results (tables, JSON). */
  readonly out: (text: string) => void;
  /** Progress and errors. */
  readonly err: (text: string) => void;
}

/** The process's own streams. */
export const processIo: Io = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};
