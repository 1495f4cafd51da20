#!/bin/sh
# ci/relgate-ci.sh: what the GitHub Action (action.yml) and the GitLab CI template
# (ci/gitlab/relgate.gitlab-ci.yml) run, so that both do the same and a test can run it.
#
#   RELGATE_COMMAND  ship (default), test or plan
#   RELGATE_BASE     the base of the change; default: the pull or merge request's target
#                    branch (origin/$GITHUB_BASE_REF, origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME),
#                    else GitLab's $CI_COMMIT_BEFORE_SHA, else HEAD~1
#   RELGATE_ARGS     more options for the command (split on spaces)
#   RELGATE_REPORTS  where the plan and the reports go (default relgate-reports)
#   RELGATE_COMMENT  "true": post the markdown plan on the pull request with gh (GitHub,
#                    GH_TOKEN), updating the last comment when there is one
#
# Writes $RELGATE_REPORTS/plan.md (the plan, also appended to GITHUB_STEP_SUMMARY),
# junit.xml and gate.json (test and ship); exits with the command's exit code.
set -u

command=${RELGATE_COMMAND:-ship}
reports=${RELGATE_REPORTS:-relgate-reports}
case $command in
ship|test|plan) ;;
*) echo "relgate-ci: RELGATE_COMMAND must be ship, test or plan, not \"$command\"" >&2; exit 2 ;;
esac

base=${RELGATE_BASE:-}
if [ -z "$base" ]; then
	if [ -n "${GITHUB_BASE_REF:-}" ]; then
		base=origin/$GITHUB_BASE_REF
	elif [ -n "${CI_MERGE_REQUEST_TARGET_BRANCH_NAME:-}" ]; then
		base=origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME
	elif [ -n "${CI_COMMIT_BEFORE_SHA:-}" ] && [ "$CI_COMMIT_BEFORE_SHA" != 0000000000000000000000000000000000000000 ]; then
		base=$CI_COMMIT_BEFORE_SHA
	else
		base=HEAD~1
	fi
fi
# a browser for the boot checks: GitHub's Ubuntu runners have Google Chrome, not chromium
if [ -z "${RELGATE_CHROMIUM:-}" ] && [ ! -x /usr/bin/chromium ] && [ -x /usr/bin/google-chrome ]; then
	RELGATE_CHROMIUM=/usr/bin/google-chrome
	export RELGATE_CHROMIUM
fi

mkdir -p "$reports" || exit 3
echo "relgate-ci: $command, the change from $base"
relgate plan --base "$base" --format markdown >"$reports/plan.md" || exit $?
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
	cat "$reports/plan.md" >>"$GITHUB_STEP_SUMMARY"
fi
if [ "${RELGATE_COMMENT:-}" = true ] && [ "${GITHUB_EVENT_NAME:-}" = pull_request ] &&
   command -v gh >/dev/null 2>&1; then
	pr=
	case ${GITHUB_REF:-} in
	refs/pull/*/merge) pr=${GITHUB_REF#refs/pull/} pr=${pr%/merge} ;;
	esac
	if [ -n "$pr" ]; then
		gh pr comment "$pr" --body-file "$reports/plan.md" --edit-last 2>/dev/null ||
			gh pr comment "$pr" --body-file "$reports/plan.md" ||
			echo "relgate-ci: the plan could not be posted on pull request $pr" >&2
	fi
fi

# shellcheck disable=SC2086
case $command in
plan)
	relgate plan --base "$base" ${RELGATE_ARGS:-}
	;;
test)
	relgate test --affected --base "$base" --junit "$reports/junit.xml" \
		--json "$reports/gate.json" ${RELGATE_ARGS:-}
	;;
ship)
	relgate ship --base "$base" --junit "$reports/junit.xml" --json "$reports/gate.json" \
		${RELGATE_ARGS:-}
	;;
esac
