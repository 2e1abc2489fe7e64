/**
 * What the CLI decides before it parses any option: help and version requests, and the error a
 * bad command line is. Loads nothing else (no zod, no SDK), so `--help`, `--version` and a
 * misspelt command answer at Node's own start-up speed.
 */

export type HelpTopic = "main" | "publish" | "inspect" | "verify" | "build" | "merge" | "plan";

const COMMANDS: readonly HelpTopic[] = ["publish", "inspect", "verify", "build", "merge", "plan"];

/** Bad input: one line saying what is wrong; the CLI exits 2 without starting an engine. */
export class UsageError extends Error {
  override readonly name = "UsageError";
  constructor(
    message: string,
    readonly topic: HelpTopic = "main",
  ) {
    super(message);
  }
}

export type EarlyCommand =
  { readonly kind: "help"; readonly topic: HelpTopic } | { readonly kind: "version" };

function isCommand(word: string | undefined): word is Exclude<HelpTopic, "main"> {
  return COMMANDS.includes(word as HelpTopic) && word !== "main";
}

/** `--help` or `-h` among a command's arguments, before any `--`. */
function wantsHelp(args: readonly string[]): boolean {
  for (const arg of args) {
    if (arg === "--") return false;
    if (arg === "--help" || arg === "-h") return true;
  }
  return false;
}

/**
 * A request for help or the version, or undefined for a command to parse.
 * @throws UsageError for no command at all, or help on an unknown topic
 */
export function earlyCommand(argv: readonly string[]): EarlyCommand | undefined {
  const [first, ...rest] = argv;
  if (first === undefined) throw new UsageError("no command given", "main");
  if (first === "--version" || first === "-V") {
    if (rest.length > 0) throw new UsageError(`unexpected argument ${rest[0]}`, "main");
    return { kind: "version" };
  }
  if (first === "--help" || first === "-h") return { kind: "help", topic: "main" };
  if (first === "help") {
    const topic = rest[0];
    if (topic === undefined) return { kind: "help", topic: "main" };
    if (isCommand(topic)) return { kind: "help", topic };
    throw new UsageError(
      `no help for ${JSON.stringify(topic)}: commands are ${COMMANDS.join(", ")}`,
    );
  }
  if (isCommand(first) && wantsHelp(rest)) return { kind: "help", topic: first };
  return undefined;
}
