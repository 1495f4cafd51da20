#!/bin/sh
#
# t0210: the faces a CI user meets, run as the CIs run them: ci/relgate-ci.sh (what
# action.yml and the GitLab template run) on a pull request, with GitHub's variables and a
# stand-in for gh; GitHub's annotations for a failed check and a boot error; relgate plan
# --format github-matrix, its jobs, then relgate ship --from-reports; relgate plan --format
# gitlab, every command of the child pipeline it writes run in order.

. "$(dirname "$0")/test-lib.sh"

test_before_each='cd "$TRASH"'
command -v jq >/dev/null || skip_all "jq is missing (apt-get install jq)"

CI_SCRIPT=$SRCDIR/ci/relgate-ci.sh

current_of() {
	readlink ".relgate/store/$1/current" | sed 's|^releases/||'
}

test_expect_success 'setup: two products on a shared package, on a branch' '
	mkdir ws && cd ws &&
	git init -q -b main . &&
	make_package packages/shared shared &&
	for p in web admin; do
		make_package apps/$p $p shared || return 1
	done &&
	write_file build.sh <<-\EOF &&
	set -e
	rm -rf apps/$1/dist && mkdir -p apps/$1/dist
	cat packages/shared/src/index.js apps/$1/src/index.js >apps/$1/dist/app.js
	echo "<html><body><script src=app.js></script></body></html>" >apps/$1/dist/index.html
	EOF
	write_file relgate.json <<-\EOF &&
	{"products": {
	  "web": {"package": "web", "artifact": "apps/web/dist", "build": {"run": "sh build.sh web"},
	          "checks": [{"name": "unit", "run": "test ! -e fail-web"}]},
	  "admin": {"package": "admin", "artifact": "apps/admin/dist", "build": {"run": "sh build.sh admin"},
	          "checks": [{"name": "unit", "run": "test ! -e fail-admin"}]}},
	 "watch": {"bake": "1s", "interval": "200ms"}}
	EOF
	printf "%s\n" "apps/*/dist/" ".relgate/" "fail-*" "relgate-reports/" "gate-reports/" \
		"*.out" "*.err" gh.log summary.md child.yml matrix.json >.gitignore &&
	make_workspace "apps/*" "packages/*" &&
	git update-ref refs/remotes/origin/main HEAD &&
	git checkout -q -b feature &&
	echo "export const more = 1;" >>packages/shared/src/index.js &&
	git add -A && git commit -qm "shared: more"
'

test_expect_success 'ci/relgate-ci.sh on a pull request: plan in the summary and the comment, reports, exit 1' '
	cd ws &&
	mkdir -p bin &&
	write_file bin/gh <<-\EOF &&
	#!/bin/sh
	echo "gh $*" >>"$GH_LOG"
	case " $* " in *" --edit-last "*) exit 1 ;; esac
	EOF
	chmod +x bin/gh &&
	touch fail-admin &&
	test_expect_code 1 env PATH="$PWD/bin:$(dirname "$RELGATE"):$PATH" GH_LOG="$PWD/gh.log" \
		GITHUB_ACTIONS=true GITHUB_EVENT_NAME=pull_request GITHUB_BASE_REF=main \
		GITHUB_REF=refs/pull/42/merge GITHUB_STEP_SUMMARY="$PWD/summary.md" \
		RELGATE_COMMENT=true RELGATE_ARGS="--no-watch --no-notify" \
		sh "$CI_SCRIPT" >out 2>err &&
	rm fail-admin &&
	test_grep "the change from origin/main" out &&
	test_grep "admin" relgate-reports/plan.md &&
	test_grep "^\| \*\*.web.\*\* \|" relgate-reports/plan.md &&
	test_grep "2 of 2 products" summary.md &&
	test_grep "^gh pr comment 42 --body-file relgate-reports/plan.md --edit-last$" gh.log &&
	test_grep "^gh pr comment 42 --body-file relgate-reports/plan.md$" gh.log &&
	test -s relgate-reports/junit.xml &&
	test "$(jq -r "[.products[] | select(.name == \"admin\")][0].passed" relgate-reports/gate.json)" = false &&
	test_grep "^::error file=relgate.json,title=relgate%3A admin unit failed::exit code 1" out &&
	test -n "$(current_of web)" && test -z "$(current_of admin)"
'

test_expect_success 'ci/relgate-ci.sh: an unknown command is refused' '
	cd ws &&
	test_expect_code 2 env RELGATE_COMMAND=deploy sh "$CI_SCRIPT" 2>err &&
	test_grep "must be ship, test or plan" err
'

if test -x /usr/bin/chromium; then
test_expect_success 'a boot error is annotated at its place in the built bundle' '
	cd ws &&
	mkdir -p crash/dist &&
	echo "<html><body><script src=app.js></script></body></html>" >crash/dist/index.html &&
	printf "var a = 1;\nnull.boom();\n" >crash/dist/app.js &&
	jq ".products.crash = {\"artifact\": \"crash/dist\", \"checks\": [{\"name\": \"boot\",
		\"boot\": {\"page\": \"index.html\", \"timeout\": \"20s\"}}]}" relgate.json >rg.json &&
	cp relgate.json relgate.json.orig && mv rg.json relgate.json &&
	{ GITHUB_ACTIONS=true "$RELGATE" test crash >out 2>err; rc=$?; } &&
	mv relgate.json.orig relgate.json &&
	test $rc = 1 &&
	test_grep "^::error file=crash/dist/app.js,line=2,col=[0-9]+,title=relgate%3A crash boot failed::TypeError" out
'
else
	test_skip 'a boot error is annotated at its place in the built bundle' 'no /usr/bin/chromium'
fi

test_expect_success 'github-matrix: a job per product, then ship --from-reports releases what passed' '
	cd ws &&
	echo "// again" >>packages/shared/src/index.js &&
	git commit -qam "shared: again" &&
	"$RELGATE" plan --base main --format github-matrix >matrix.json &&
	test "$(wc -l <matrix.json)" = 1 &&
	test "$(jq -r ".include[].product" matrix.json | tr "\n" " ")" = "admin web " &&
	test "$(jq -r ".include[] | select(.product == \"web\") | .artifact" matrix.json)" = apps/web/dist &&
	rm -rf gate-reports && mkdir gate-reports &&
	touch fail-web &&
	rm -f failed &&
	for p in $(jq -r ".include[].product" matrix.json); do
		"$RELGATE" test "$p" --json "gate-reports/$p.json" >"$p.out" 2>&1 ||
			echo "$p" >>failed
	done &&
	rm fail-web &&
	test "$(cat failed)" = web &&
	web=$(current_of web) admin=$(current_of admin) &&
	test_expect_code 1 "$RELGATE" ship --base main --from-reports gate-reports --no-watch >out 2>err &&
	test "$(current_of web)" = "$web" &&
	test "$(current_of admin)" != "$admin" &&
	test_grep "^web: failed: unit failed" out &&
	"$RELGATE" plan --files docs/none.md --format github-matrix >none.out &&
	test "$(cat none.out)" = "{\"include\": []}"
'

test_expect_success 'gitlab: every command of the child pipeline, run in order, releases what passed' '
	cd ws &&
	echo "// once more" >>packages/shared/src/index.js &&
	git commit -qam "shared: once more" &&
	"$RELGATE" plan --base main --format gitlab >child.yml &&
	test_grep "^\"gate admin\":$" child.yml &&
	test_grep "^\"gate web\":$" child.yml &&
	test_grep "^      junit: gate-reports/web.xml$" child.yml &&
	test_grep "^    - job: \"gate web\"$" child.yml &&
	rm -rf gate-reports && mkdir gate-reports &&
	sed -n "s/^    - //p" child.yml | grep "^relgate " >commands &&
	test "$(wc -l <commands)" = 3 &&
	tail -n 1 commands | grep -q "^relgate ship --base [0-9a-f]\{40\} --head [0-9a-f]\{40\} --from-reports gate-reports$" &&
	web=$(current_of web) admin=$(current_of admin) &&
	while read -r cmd; do
		eval "\"\$RELGATE\" ${cmd#relgate }" >>steps.out 2>&1 || { cat steps.out; return 1; }
	done <commands &&
	test -s gate-reports/web.xml && test -s gate-reports/admin.json &&
	test "$(current_of web)" != "$web" && test "$(current_of admin)" != "$admin" &&
	test_expect_code 2 "$RELGATE" plan --uncommitted --format gitlab 2>err &&
	test_grep "needs --base" err
'

test_expect_success 'action.yml and the GitLab template run the same script' '
	test_grep "run: sh \"\\\$GITHUB_ACTION_PATH/ci/relgate-ci.sh\"" "$SRCDIR/action.yml" &&
	for v in RELGATE_COMMAND RELGATE_BASE RELGATE_ARGS RELGATE_REPORTS RELGATE_COMMENT; do
		test_grep "^        $v: " "$SRCDIR/action.yml" &&
		test_grep "$v" "$CI_SCRIPT" || return 1
	done &&
	test_grep "sh /opt/relgate/ci/relgate-ci.sh" "$SRCDIR/ci/gitlab/relgate.gitlab-ci.yml" &&
	test_grep "junit: relgate-reports/junit.xml" "$SRCDIR/ci/gitlab/relgate.gitlab-ci.yml"
'

test_done
