/**
 * Shell completion for bash, zsh and fish, generated from the flag tables the parser itself uses
 * (PUBLISH_OPTIONS and the rest), so a flag cannot be parsed yet missing from completion.
 */
import type { ParseArgsConfig } from "node:util";
import { INSPECT_OPTIONS, PUBLISH_OPTIONS, VERIFY_OPTIONS } from "./args.js";
import { MERGE_OPTIONS, PLAN_OPTIONS } from "./args-scale-out.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

import type { Shell } from "./completion-shells.js";

/** Every command and the flags it takes (`--help` is added to each). */
export const COMMAND_OPTIONS: Readonly<Record<string, Options>> = {
  publish: PUBLISH_OPTIONS,
  build: { ...PUBLISH_OPTIONS, "push-by-digest": { type: "boolean" } },
  merge: MERGE_OPTIONS,
  plan: PLAN_OPTIONS,
  inspect: INSPECT_OPTIONS,
  verify: VERIFY_OPTIONS,
  completion: {},
};

/** `--name` and `-x` (its short form) of every flag of a command. */
export function flagWords(options: Options): string[] {
  return [
    ...Object.entries(options).flatMap(([name, spec]) => [
      `--${name}`,
      ...(spec.short === undefined ? [] : [`-${spec.short}`]),
    ]),
    "--help",
  ];
}

export function completionScript(shell: Shell): string {
  const commands = Object.keys(COMMAND_OPTIONS);
  switch (shell) {
    case "bash":
      return `# multiarch completion for bash: source <(multiarch completion bash)
_multiarch() {
  local cur="\${COMP_WORDS[COMP_CWORD]}"
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W "${commands.join(" ")} --help --version" -- "$cur"))
    return
  fi
  case "$cur" in -*) ;; *) return ;; esac
  case "\${COMP_WORDS[1]}" in
${commands
  .map(
    (c) =>
      `    ${c}) COMPREPLY=($(compgen -W "${flagWords(COMMAND_OPTIONS[c] ?? {}).join(" ")}" -- "$cur")) ;;`,
  )
  .join("\n")}
  esac
}
complete -o default -F _multiarch multiarch
`;
    case "zsh":
      return `#compdef multiarch
# multiarch completion for zsh: source <(multiarch completion zsh)
_multiarch() {
  if (( CURRENT == 2 )); then
    compadd -- ${commands.join(" ")} --help --version
    return
  fi
  case $words[2] in
${commands
  .map((c) => `    ${c}) compadd -- ${flagWords(COMMAND_OPTIONS[c] ?? {}).join(" ")} ;;`)
  .join("\n")}
  esac
  _files
}
compdef _multiarch multiarch
`;
    case "fish":
      return `# multiarch completion for fish: multiarch completion fish | source
complete -c multiarch -f -n __fish_use_subcommand -a "${commands.join(" ")}"
${commands
  .flatMap((c) =>
    Object.entries(COMMAND_OPTIONS[c] ?? {}).map(
      ([name, spec]) =>
        `complete -c multiarch -n "__fish_seen_subcommand_from ${c}"${spec.short === undefined ? "" : ` -s ${spec.short}`} -l ${name}${spec.type === "string" ? " -r" : ""}`,
    ),
  )
  .join("\n")}
complete -c multiarch -s h -l help
`;
  }
}
