#!/bin/sh
#
# t0007: relgate graph: package and product nodes with their edges as JSON
# and DOT, --files for file nodes, --no-imports without import edges.

. "$(dirname "$0")/test-lib.sh"
. "$SRCDIR/tests/lib-fixtures.sh"

# The edges of graph JSON on stdin as "KIND:NAME -KIND-> KIND:NAME", sorted.
edges_by_name() {
	jq -r '(.nodes | map({key: (.id | tostring), value: (.kind + ":" + .name)}) | from_entries) as $n |
	       .edges[] | $n[.from | tostring] + " -" + .kind + "-> " + $n[.to | tostring]' | LC_ALL=C sort
}

# Is the DOT file on stdin well formed, as far as a line-based look can tell?
dot_ok() {
	awk '
	NR == 1 { if ($0 != "digraph relgate {") { print "line 1: " $0; bad = 1 } next }
	/^}$/ { closed = NR; next }
	closed { print "after the closing brace: " $0; bad = 1; next }
	/^  rankdir=[A-Z]+;$/ || /^  node \[.*\];$/ { next }
	/^  "([^"\\]|\\.)*" \[label="([^"\\]|\\.)*"(, shape=[a-z]+)?\];$/ {
		id = $0; sub(/^  /, "", id); sub(/ \[label=.*$/, "", id); node[id] = 1; next
	}
	/^  "([^"\\]|\\.)*" -> "([^"\\]|\\.)*" \[label="[a-zA-Z]+"\];$/ {
		e = $0; sub(/^  /, "", e); sub(/ \[label=.*$/, "", e)
		split(e, ends, " -> "); from[NR] = ends[1]; to[NR] = ends[2]; next
	}
	{ print "not DOT: " $0; bad = 1 }
	END {
		if (!closed) { print "no closing brace"; bad = 1 }
		for (l in from) {
			if (!(from[l] in node)) { print "undeclared node " from[l]; bad = 1 }
			if (!(to[l] in node)) { print "undeclared node " to[l]; bad = 1 }
		}
		exit bad
	}'
}

test_expect_success 'setup: a, b depends on a, c imports a without declaring it' '
	mkdir ws && cd ws &&
	make_package packages/a a &&
	make_package packages/b b a &&
	make_package packages/c c &&
	write_file packages/c/src/index.js <<-\EOF &&
	import { name } from "a";
	// import "b";
	export default name;
	EOF
	write_file packages/d/package.json <<-\EOF &&
	{"name": "d", "devDependencies": {"c": "*"}}
	EOF
	write_file relgate.json <<-\EOF &&
	{"globalInputs": [".nvmrc"],
	 "products": {"app-b": {"package": "b", "inputs": ["tools/b.config.js"]},
	              "app-c": {"package": "c"}}}
	EOF
	echo 22 >.nvmrc &&
	write_file tools/b.config.js <<-\EOF &&
	module.exports = {};
	EOF
	make_workspace &&
	cd ..
'

test_expect_success 'json: package nodes and product nodes' '
	"$RELGATE" -C ws graph --format json >graph.json &&
	jq -r ".nodes[] | .kind + \":\" + .name" graph.json | LC_ALL=C sort >actual &&
	cat >expect <<-\EOF &&
	package:a
	package:b
	package:c
	package:d
	package:ws
	product:app-b
	product:app-c
	EOF
	test_cmp expect actual
'

test_expect_success 'json is the default format' '
	"$RELGATE" -C ws graph >default.json &&
	test_cmp graph.json default.json
'

test_expect_success 'json: package nodes carry their folder' '
	jq -r ".nodes[] | select(.kind == \"package\") | .name + \" \" + .path" graph.json | LC_ALL=C sort >actual &&
	cat >expect <<-\EOF &&
	a packages/a
	b packages/b
	c packages/c
	d packages/d
	ws .
	EOF
	test_cmp expect actual
'

test_expect_success 'json: dependency, import and product edges between them' '
	edges_by_name <graph.json >all &&
	grep -v -e "-globalInput->" -e "-input->" -e "-workspace->" all >actual &&
	cat >expect <<-\EOF &&
	package:a -dependency-> package:b
	package:a -import-> package:c
	package:b -product-> product:app-b
	package:c -dependency-> package:d
	package:c -product-> product:app-c
	EOF
	test_cmp expect actual
'

test_expect_success 'json: inputs and globalInputs reach the products' '
	grep -e "-globalInput->" -e "-input->" all >actual &&
	cat >expect <<-\EOF &&
	package:ws -globalInput-> product:app-b
	package:ws -globalInput-> product:app-c
	package:ws -input-> product:app-b
	EOF
	test_cmp expect actual
'

test_expect_success 'json: ids are unique, every edge joins two nodes, no edge twice' '
	jq -e "(.nodes | map(.id) | length) == (.nodes | map(.id) | unique | length)" graph.json &&
	jq -e "(.nodes | map(.id)) as \$ids | all(.edges[]; (.from as \$f | \$ids | index(\$f)) != null and (.to as \$t | \$ids | index(\$t)) != null)" graph.json &&
	jq -e "(.edges | length) == (.edges | unique | length)" graph.json
'

test_expect_success '--no-imports drops the import edges, and only them' '
	"$RELGATE" -C ws graph --no-imports --format json | edges_by_name >actual &&
	grep -v -e "-import->" all >expect &&
	test_cmp expect actual
'

test_expect_success 'a commented import is no edge (c does not reach b)' '
	test_grep_not "package:b -import->" all
'

test_expect_success '--file-nodes: a node for every file, and the file-level edges' '
	"$RELGATE" -C ws graph --file-nodes --format json >files.json &&
	"$RELGATE" -C ws graph --files --format json >old-name.json &&
	test_cmp files.json old-name.json &&
	jq -r ".nodes[] | select(.kind == \"file\") | .name" files.json | LC_ALL=C sort >actual &&
	git -C ws ls-files | LC_ALL=C sort >expect &&
	test_cmp expect actual &&
	edges_by_name <files.json >fall &&
	grep -e "-import->" -e "file:packages/a/src/index.js -owns->" -e "file:tools" -e "file:.nvmrc" fall >actual &&
	cat >expect <<-\EOF &&
	file:.nvmrc -globalInput-> product:app-b
	file:.nvmrc -globalInput-> product:app-c
	file:.nvmrc -owns-> package:ws
	file:packages/a/src/index.js -import-> file:packages/c/src/index.js
	file:packages/a/src/index.js -owns-> package:a
	file:tools/b.config.js -input-> product:app-b
	file:tools/b.config.js -owns-> package:ws
	EOF
	test_cmp expect actual
'

test_expect_success '--files: every file is owned by exactly one package' '
	jq -r "(.nodes | map(select(.kind == \"file\")) | length) as \$n |
	       [.edges[] | select(.kind == \"owns\")] | length == \$n" files.json >actual &&
	echo true >expect &&
	test_cmp expect actual
'

test_expect_success '--files --no-imports: no import edge' '
	"$RELGATE" -C ws graph --files --no-imports --format json | edges_by_name >actual &&
	grep -v -e "-import->" fall >expect &&
	test_cmp expect actual
'

test_expect_success 'dot: a digraph with the nodes and edges' '
	"$RELGATE" -C ws graph --format dot >graph.dot &&
	dot_ok <graph.dot &&
	grep -e "->" graph.dot | grep -v -e "globalInput" -e "\"input\"" -e "workspace" >actual &&
	cat >expect <<-\EOF &&
	  "package:a" -> "package:b" [label="dependency"];
	  "package:a" -> "package:c" [label="import"];
	  "package:b" -> "product:app-b" [label="product"];
	  "package:c" -> "package:d" [label="dependency"];
	  "package:c" -> "product:app-c" [label="product"];
	EOF
	test_cmp expect actual &&
	test_grep "^  \"product:app-b\" \[label=\"app-b\", shape=doubleoctagon\];$" graph.dot
'

test_expect_success 'dot --no-imports: the import edge is gone' '
	"$RELGATE" -C ws graph --format dot --no-imports >noimp.dot &&
	dot_ok <noimp.dot &&
	test_grep_not "label=\"import\"" noimp.dot &&
	test_grep "\"package:a\" -> \"package:b\" \[label=\"dependency\"\];" noimp.dot
'

test_expect_success 'dot --files: file nodes, quotes and backslashes escaped' '
	(cd ws && echo "export const q = 1;" >"packages/a/src/we\"ird\\name.js" &&
	 printf "%s\n" "import \"./we\\\"ird\\\\name.js\";" >>packages/a/src/index.js && commit_all weird) &&
	tail -n 1 ws/packages/a/src/index.js >actual &&
	cat >expect <<-\EOF &&
	import "./we\"ird\\name.js";
	EOF
	test_cmp expect actual &&
	"$RELGATE" -C ws graph --files --format dot >files.dot &&
	dot_ok <files.dot &&
	test_grep "^  \"file:packages/a/src/we\\\\\"ird\\\\\\\\name.js\" \[label=\"packages/a/src/we\\\\\"ird\\\\\\\\name.js\", shape=note\];$" files.dot &&
	test_grep "^  \"file:packages/a/src/we\\\\\"ird\\\\\\\\name.js\" -> \"file:packages/a/src/index.js\" \[label=\"import\"\];$" files.dot
'

test_expect_success 'without relgate.json every package is a product node' '
	mkdir plain && cd plain &&
	make_package packages/a a &&
	make_package packages/b b a &&
	make_workspace &&
	"$RELGATE" graph --format json >graph.json &&
	jq -r ".nodes[] | .kind + \":\" + .name" graph.json | LC_ALL=C sort >actual &&
	printf "%s\n" package:a package:b package:ws product:a product:b >expect &&
	test_cmp expect actual &&
	edges_by_name <graph.json | grep -v -e "-workspace->" >actual &&
	cat >expect <<-\EOF &&
	package:a -dependency-> package:b
	package:a -product-> product:a
	package:b -product-> product:b
	EOF
	cd .. &&
	test_cmp plain/expect plain/actual
'

test_expect_success 'json: product nodes carry their package folder, edges their dependency kind' '
	"$RELGATE" -C ws graph >graph.json &&
	jq -r ".nodes[] | select(.kind == \"product\") | .name + \" \" + .path" graph.json |
		LC_ALL=C sort >actual &&
	printf "app-b packages/b\napp-c packages/c\n" >expect &&
	test_cmp expect actual &&
	jq -r "[.edges[] | select(.kind == \"dependency\") | .dependency] | unique | join(\" \")" \
		graph.json >actual &&
	echo "dependency devDependency" >expect &&
	test_cmp expect actual &&
	jq -r "[.edges[] | select(.kind == \"import\") | .import] | unique | join(\" \")" \
		graph.json >actual &&
	echo import >expect &&
	test_cmp expect actual
'

test_expect_success 'mermaid: a flowchart GitHub draws, the same edges as dot' '
	"$RELGATE" -C ws graph --format mermaid >graph.mmd &&
	head -n 1 graph.mmd >actual &&
	echo "flowchart RL" >expect &&
	test_cmp expect actual &&
	"$RELGATE" -C ws graph --format dot | grep -c -e "->" >dot-edges &&
	grep -c -e "-->|" graph.mmd >mmd-edges &&
	test_cmp dot-edges mmd-edges &&
	test_grep "^  n[0-9]+\{\{\"app-b\"\}\}$" graph.mmd &&
	test_grep "^  n[0-9]+ -->\|dependency\| n[0-9]+$" graph.mmd
'

test_expect_success 'graph --help says the default and which way an edge points' '
	"$RELGATE" graph --help >out &&
	test_grep "JSON \(the default\)" out &&
	test_grep "An edge from A to B says that a change to A reaches B" out
'

test_expect_success 'graph --help' '
	"$RELGATE" graph --help >out &&
	test_grep "^usage: relgate graph" out
'

test_done
