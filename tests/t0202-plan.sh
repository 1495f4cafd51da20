#!/bin/sh
#
# t0202: relgate plan names every product a change releases, with the
# chain, the owners and their channels, notify.plan's channels, and the
# active release; --built says whether the artifact built now differs from
# it; a plan makes no store; notify.plan names channels that exist.

. "$(dirname "$0")/test-lib.sh"

test_before_each='cd "$TRASH"'
command -v jq >/dev/null || skip_all "jq is missing (apt-get install jq)"

test_expect_success 'setup: two products on a shared package, and one on its own' '
	mkdir ws && cd ws &&
	make_package packages/shared @x/shared &&
	make_package apps/a a @x/shared &&
	make_package apps/b b @x/shared &&
	make_package apps/c c &&
	write_file relgate.json <<-\EOF &&
	{"products": {
	   "a": {"artifact": "apps/a/dist", "owners": ["qa", "team-a"]},
	   "b": {"artifact": "apps/b/dist", "owners": ["team-b"]},
	   "c": {"artifact": "apps/c/dist"}},
	 "channels": {"qa": {"type": "slack", "url": "http://127.0.0.1:9/qa"},
	   "team-a": {"type": "email", "to": ["a@x.example"], "smtp": "smtp://127.0.0.1:9"},
	   "team-b": {"type": "command", "run": "cat"}},
	 "notify": {"plan": ["qa"]}}
	EOF
	echo "dist/" >.gitignore &&
	make_workspace "apps/*" "packages/*" &&
	echo "export const y = 2;" >>packages/shared/src/index.js &&
	git commit -qam "shared: y"
'

test_expect_success 'the plan: products, chains, owners with their channels, QA' '
	cd ws &&
	"$RELGATE" plan --base HEAD~1 >out &&
	test_grep "^Release plan: 2 of 3 products" out &&
	test_grep "why: +a <- @x/shared \(dependency\) <- packages/shared/src/index.js \(changed\)" out &&
	test_grep "owners: +qa \(slack\), team-a \(email\)" out &&
	test_grep "owners: +team-b \(command\)" out &&
	test_grep "active: +none: its first release" out &&
	test_grep "^QA and everyone in notify.plan: qa \(slack\)" out &&
	test_grep_not "^c$" out &&
	test ! -e .relgate/store
'

test_expect_success 'the plan as JSON and as markdown' '
	cd ws &&
	"$RELGATE" plan --base HEAD~1 --format json >plan.json &&
	test "$(jq -r "[.products[].name] | join(\" \")" plan.json)" = "a b" &&
	test "$(jq -r ".notify | join(\" \")" plan.json)" = qa &&
	test "$(jq -r ".products[0].owners[1].type" plan.json)" = email &&
	test "$(jq -r ".products[0].because[0]" plan.json)" = packages/shared/src/index.js &&
	test "$(jq -r ".products[0].active" plan.json)" = null &&
	"$RELGATE" plan --base HEAD~1 --format markdown >plan.md &&
	test_grep "^### relgate: release plan, 2 of 3 products" plan.md &&
	test_grep "^\| \*\*.a.\*\* \|.*\| .qa., .team-a. \| none \|$" plan.md &&
	test_grep "For the owners above and .qa. \(.notify.plan.\)" plan.md
'

test_expect_success '--built: what the artifact built now changes against the active release' '
	cd ws &&
	mkdir -p apps/a/dist apps/b/dist &&
	echo a1 >apps/a/dist/index.html && echo b1 >apps/b/dist/index.html &&
	"$RELGATE" plan --base HEAD~1 --built >out &&
	test_grep "built: +1 files, 3 bytes, all new" out &&
	"$RELGATE" release a --force --reason v1 >/dev/null &&
	"$RELGATE" release b --force --reason v1 >/dev/null &&
	echo "b2, longer" >apps/b/dist/index.html && echo new >apps/b/dist/extra.js &&
	"$RELGATE" plan --base HEAD~1 --built >out &&
	test_grep "active: +r000001 \(commit [0-9a-f]{12}, gate forced" out &&
	test_grep "built: +the same as the active release: nothing new to release" out &&
	test_grep "built: +1 changed, 1 added, 0 removed \(\+12 bytes\)" out &&
	"$RELGATE" plan --base HEAD~1 --built --format json >plan.json &&
	test "$(jq -r ".products[0].built.same" plan.json)" = true &&
	test "$(jq -r ".products[1].built.changed" plan.json)" = 1 &&
	rm -r apps/a/dist &&
	"$RELGATE" plan --base HEAD~1 --built >out &&
	test_grep "built: +not built yet" out
'

test_expect_success 'notify.plan names channels that exist; an unknown key is named' '
	cd ws &&
	cp relgate.json keep.json &&
	sed "s/\"plan\": \[\"qa\"\]/\"plan\": [\"qa\", \"nobody\"]/" keep.json >relgate.json &&
	test_expect_code 2 "$RELGATE" plan --base HEAD~1 2>err &&
	test_grep "relgate.json:[0-9]+:[0-9]+: .*\"nobody\" is not a channel" err &&
	sed "s/\"plan\": \[\"qa\"\]/\"plan\": [\"qa\"], \"every\": 1/" keep.json >relgate.json &&
	test_expect_code 2 "$RELGATE" plan --base HEAD~1 2>err &&
	test_grep "every" err &&
	cp keep.json relgate.json
'

test_done
