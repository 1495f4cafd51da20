#!/bin/sh
#
# t0006: the incident of examples/hotel-suite, replayed: the change to
# @hotel/shared reaches commander and distributor, with their chains, and
# not portal; in text, JSON and markdown.

. "$(dirname "$0")/test-lib.sh"
. "$SRCDIR/tests/lib-fixtures.sh"

REPLAY=$SRCDIR/examples/hotel-suite/replay-incident.sh
test -x "$REPLAY" || skip_all "$REPLAY is missing"

# One chain line for a product: from either changed file of @hotel/shared.
CHAIN='<- @hotel/shared \(dependency\) <- packages/shared/src/(app|registry)\.js \(changed\)$'

test_expect_success 'setup: replay the incident' '
	"$REPLAY" "$TRASH/hs" >replay.out 2>&1 &&
	git -C hs rev-parse --verify -q before >/dev/null &&
	git -C hs rev-parse --verify -q incident >/dev/null &&
	test "$(git -C hs rev-parse HEAD)" = "$(git -C hs rev-parse incident)"
'

test_expect_success 'the incident changes two files of packages/shared' '
	git -C hs diff --name-only before incident >actual &&
	printf "%s\n" packages/shared/src/app.js packages/shared/src/registry.js >expect &&
	test_cmp expect actual
'

test_expect_success 'text: exactly commander and distributor, with their chains; not portal' '
	"$RELGATE" -C hs affected --base before >out &&
	echo "2 of 3 products affected by 2 changed files ($(cd hs && abbrev before)...$(cd hs && abbrev incident))" >expect &&
	head -n 1 out >actual &&
	test_cmp expect actual &&
	test $(wc -l <out) = 4 &&
	sed -n 2p out >line && test_grep "^commander $CHAIN" line &&
	sed -n 3p out >line && test_grep "^distributor $CHAIN" line &&
	sed -n 4p out >actual &&
	echo "not affected: portal" >expect &&
	test_cmp expect actual
'

test_expect_success 'the same with --head incident' '
	"$RELGATE" -C hs affected --base before --head incident >out2 &&
	test_cmp out out2
'

test_expect_success '-q: the names only' '
	printf "commander\ndistributor\n" >expect &&
	"$RELGATE" -C hs -q affected --base before >actual &&
	test_cmp expect actual
'

test_expect_success 'json: base, head, changed, products with because, unaffected' '
	"$RELGATE" -C hs affected --base before --format json >out.json &&
	test "$(jq -r .base out.json)" = "$(git -C hs rev-parse before)" &&
	test "$(jq -r .head out.json)" = "$(git -C hs rev-parse incident)" &&
	jq -c ".changed" out.json >actual &&
	echo "[\"packages/shared/src/app.js\",\"packages/shared/src/registry.js\"]" >expect &&
	test_cmp expect actual &&
	jq -r ".products[] | .name + \" \" + (.because[1:] | join(\" \"))" out.json >actual &&
	cat >expect <<-\EOF &&
	commander packages/shared apps/commander
	distributor packages/shared apps/distributor
	EOF
	test_cmp expect actual &&
	jq -r ".products[].because[0]" out.json >actual &&
	test_grep "^packages/shared/src/(app|registry)\.js$" actual &&
	jq -c ".unaffected" out.json >actual &&
	echo "[\"portal\"]" >expect &&
	test_cmp expect actual
'

test_expect_success 'markdown: a row per affected product, portal listed as not affected' '
	"$RELGATE" -C hs affected --base before --format markdown >out.md &&
	test_grep "^### relgate: 2 of 3 products affected$" out.md &&
	grep "^| \*\*" out.md >rows &&
	test $(wc -l <rows) = 2 &&
	sed -n 1p rows >row &&
	test_grep "^\| \*\*.commander.\*\* \| .packages/shared/src/(app|registry)\.js. \(changed\) → .@hotel/shared. \(dependency\) → \*\*.commander.\*\* \|$" row &&
	sed -n 2p rows >row &&
	test_grep "^\| \*\*.distributor.\*\* \| .packages/shared/src/(app|registry)\.js. \(changed\) → .@hotel/shared. \(dependency\) → \*\*.distributor.\*\* \|$" row &&
	test_grep "^Not affected: .portal.$" out.md &&
	test_grep "^- .packages/shared/src/registry.js.$" out.md
'

test_expect_success '--packages: @hotel/shared and the two apps' '
	printf "@hotel/commander\n@hotel/distributor\n@hotel/shared\n" >expect &&
	(cd hs && affected_names --base before --packages) >actual &&
	test_cmp expect actual
'

test_expect_success 'a comment that looks like an import of @hotel/ui is no edge' '
	(cd hs && git checkout -q -b ui incident && touch_commit packages/ui/src/components.js) &&
	printf "commander\nportal\n" >expect &&
	(cd hs && affected_names --base incident) >actual &&
	test_cmp expect actual
'

test_expect_success 'a string that looks like require of @hotel/shared is no edge' '
	(cd hs && git checkout -q -b shared-only incident && touch_commit packages/shared/src/reporting.js) &&
	printf "commander\ndistributor\n" >expect &&
	(cd hs && affected_names --base incident) >actual &&
	test_cmp expect actual
'

test_expect_success 'a product input: only the product that declares it' '
	(cd hs && git checkout -q -b dist-config incident && touch_commit tools/build/distributor.config.js) &&
	cat >expect <<-\EOF &&
	distributor <- tools/build/distributor.config.js (changed, input)
	not affected: commander, portal
	EOF
	affected_body -C hs affected --base incident >actual &&
	test_cmp expect actual
'

test_expect_success 'a global input: every product' '
	(cd hs && git checkout -q -b node incident && echo 22 >.nvmrc && commit_all "node 22") &&
	cat >expect <<-\EOF &&
	commander <- .nvmrc (changed, globalInputs)
	distributor <- .nvmrc (changed, globalInputs)
	portal <- .nvmrc (changed, globalInputs)
	EOF
	affected_body -C hs affected --base incident >actual &&
	test_cmp expect actual
'

test_expect_success 'the replay is reproducible: same commit ids every time' '
	"$REPLAY" "$TRASH/hs2" >/dev/null 2>&1 &&
	test "$(git -C hs rev-parse before incident)" = "$(git -C hs2 rev-parse before incident)"
'

test_done
