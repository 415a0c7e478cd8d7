/**
 * `po completion bash|zsh`: a completion script made from the command tree itself, so it never falls behind the
 * commands. It completes subcommands and options at every level; zsh loads the same script through bashcompinit.
 */
import type { Command } from 'commander';
import { InputError } from '../shared/errors.js';

interface Level {
  readonly path: string;
  readonly words: readonly string[];
}

/** Every command path (`""`, `admin`, `admin products`, …) with the words that may follow it. */
function levels(command: Command, path = ''): Level[] {
  const words = [
    ...command.commands.map((sub) => sub.name()),
    ...command.options.flatMap((option) => [option.long, option.short].filter((flag): flag is string => !!flag)),
    '--help',
  ];
  return [
    { path, words },
    ...command.commands.flatMap((sub) => levels(sub, path === '' ? sub.name() : `${path} ${sub.name()}`)),
  ];
}

/** The completion script for `shell`. @throws InputError `usage` for another shell */
export function completionScript(program: Command, shell: string): string {
  if (shell !== 'bash' && shell !== 'zsh')
    throw new InputError('usage', `po completion writes a script for bash or zsh, not "${shell.slice(0, 20)}"`);
  const all = levels(program);
  const cases = all
    .map((level) => `    ${JSON.stringify(level.path)}) words=${JSON.stringify(level.words.join(' '))} ;;`)
    .join('\n');
  const bash = `# po completion (bash). Load it with: source <(po completion bash)
_po_complete() {
  local cur path candidate i word words
  cur="\${COMP_WORDS[COMP_CWORD]}"
  path=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
    case "$word" in -*) continue ;; esac
    if [[ -z "$path" ]]; then candidate="$word"; else candidate="$path $word"; fi
    if _po_words "$candidate" >/dev/null; then path="$candidate"; fi
  done
  words="$(_po_words "$path")"
  COMPREPLY=($(compgen -W "$words --profile --json" -- "$cur"))
}
_po_words() {
  local words
  case "$1" in
${cases}
    *) return 1 ;;
  esac
  printf '%s\\n' "$words"
}
complete -F _po_complete po
`;
  return shell === 'bash'
    ? bash
    : `# po completion (zsh). Load it with: source <(po completion zsh)\nautoload -U +X bashcompinit && bashcompinit\n${bash}`;
}
