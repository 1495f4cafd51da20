# bash completion for relgate
_relgate()
{
	local cur prev cmd i
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	cmd=
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-C|--config|--color) ((i++)) ;;
		-*) ;;
		*) cmd=${COMP_WORDS[i]}; break ;;
		esac
	done
	case $prev in
	-C) COMPREPLY=($(compgen -d -- "$cur")); return ;;
	--config|--gate-report|--junit|--json) COMPREPLY=($(compgen -f -- "$cur")); return ;;
	--from|--from-reports|--logs) COMPREPLY=($(compgen -d -- "$cur")); return ;;
	--color) COMPREPLY=($(compgen -W "auto always never" -- "$cur")); return ;;
	--base|--head)
		COMPREPLY=($(compgen -W "$(git for-each-ref --format='%(refname:short)' 2>/dev/null) HEAD" -- "$cur"))
		return ;;
	--format)
		case $cmd in
		graph) COMPREPLY=($(compgen -W "json dot mermaid" -- "$cur")) ;;
		boot|release|rollback|history|diff|snippet) COMPREPLY=($(compgen -W "text json" -- "$cur")) ;;
		plan) COMPREPLY=($(compgen -W "text json markdown github-matrix gitlab" -- "$cur")) ;;
		*) COMPREPLY=($(compgen -W "text json markdown" -- "$cur")) ;;
		esac
		return ;;
	esac
	case $cmd in
	help) COMPREPLY=($(compgen -W "affected graph plan test boot release rollback status history diff fsck notify snippet serve watch ship runbook" -- "$cur")) ;;
	"") COMPREPLY=($(compgen -W "affected graph plan test boot release rollback status history diff fsck notify snippet serve watch ship runbook help -C --config --color -q -v --help --version" -- "$cur")) ;;
	release) COMPREPLY=($(compgen -W "--from --gate-report --no-activate --force --reason --format --help" -- "$cur")) ;;
	rollback) COMPREPLY=($(compgen -W "--to --expect --reason --force --format --help" -- "$cur")) ;;
	status) COMPREPLY=($(compgen -W "--format --help" -- "$cur")) ;;
	history) COMPREPLY=($(compgen -W "--limit --format --help" -- "$cur")) ;;
	diff) COMPREPLY=($(compgen -W "--from --format --help" -- "$cur")) ;;
	snippet) COMPREPLY=($(compgen -W "--release --csp-hash --format --help" -- "$cur")) ;;
	serve) COMPREPLY=($(compgen -W "--listen --watch --help" -- "$cur")) ;;
	watch) COMPREPLY=($(compgen -W "--once --until-baked --no-probe --help" -- "$cur")) ;;
	ship) COMPREPLY=($(compgen -W "--base --head --uncommitted --files --no-imports --no-cache --dry-run --no-watch --no-notify -j --junit --json --from-reports --help" -- "$cur")) ;;
	notify) COMPREPLY=($(compgen -W "--flush --all --channel --timeout --message --subject --list --limit --format --help" -- "$cur")) ;;
	runbook) COMPREPLY=($(compgen -W "--help" -- "$cur")) ;;
	test) COMPREPLY=($(compgen -W "--affected --base --head --uncommitted --files -j --junit --json --grace --logs --notify --help" -- "$cur")) ;;
	boot) COMPREPLY=($(compgen -W "--dir --url --check --page --ready --timeout --format --help" -- "$cur")) ;;
	affected) COMPREPLY=($(compgen -W "--base --head --uncommitted --files --packages --format --no-imports --no-cache --help" -- "$cur")) ;;
	graph) COMPREPLY=($(compgen -W "--format --file-nodes --no-imports --no-cache --help" -- "$cur")) ;;
	plan) COMPREPLY=($(compgen -W "--base --head --uncommitted --files --built --notify --format --no-imports --no-cache --help" -- "$cur")) ;;
	esac
}
complete -F _relgate relgate
