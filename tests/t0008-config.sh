#!/bin/sh
#
# t0008: relgate.json validation: the documented example and every
# documented key load; unknown keys, wrong types, bad durations, bad
# numbers, owners that are no channel, unknown channel types and products
# without a package are each an error with file:line:col (exit 2), and
# several errors are reported in one run.

. "$(dirname "$0")/test-lib.sh"
. "$SRCDIR/tests/lib-fixtures.sh"

# The errors of a run (exit code 2 wanted), with the folder part of the
# config's path removed, sorted: config_errors [ARGS...]
config_errors() {
	test_expect_code 2 "$RELGATE" -C ws "$@" affected --base HEAD 2>"$TRASH/.err" >/dev/null || {
		cat "$TRASH/.err"
		return 1
	}
	# what an unknown key's message adds (the nearest key, every key) is checked on its own
	sed -e "s|^relgate: error: .*/relgate\.json:|relgate.json:|" -e "s|^relgate: error: ||" \
		-e "s/\(unknown key .*\): did you mean .*/\1/" -e "s/\(unknown key .*\) (the keys here: .*)$/\1/" \
		"$TRASH/.err" | LC_ALL=C sort
}

# The error line expected for the token on a line of ws/relgate.json (its
# first occurrence there gives the column): at LINE TOKEN MESSAGE
at() {
	c=$(awk -v l="$1" -v t="$2" 'NR == l { print index($0, t) }' "$TRASH/ws/relgate.json")
	if test -z "$c" || test "$c" -eq 0; then
		echo "at: no $2 on line $1 of relgate.json" >&2
		return 1
	fi
	echo "relgate.json:$1:$c: $3"
}

# Write ws/relgate.json from stdin.
config() {
	cat >ws/relgate.json
}

test_expect_success 'setup: a workspace with the product of the documented example' '
	mkdir ws && cd ws &&
	make_package apps/distributor @hotel/distributor &&
	make_package apps/portal @hotel/portal &&
	make_workspace "apps/*" &&
	cd ..
'

test_expect_success 'the example of the design document loads' '
	awk "/^## Configuration/ { f = 1 } f && /^\`\`\`json\$/ { p = 1; next } p && /^\`\`\`\$/ { exit } p" \
		"$SRCDIR/doc/DESIGN.md" >ws/relgate.json &&
	test_grep "\"distributor\"" ws/relgate.json &&
	"$RELGATE" -C ws affected --base HEAD >out 2>err &&
	test_cmp /dev/null err &&
	cat >expect <<-EOF &&
	0 of 1 products affected by 0 changed files ($(cd ws && abbrev HEAD)...$(cd ws && abbrev HEAD))
	not affected: distributor
	EOF
	test_cmp expect out
'

test_expect_success 'every documented key is accepted' '
	config <<-\EOF &&
	{
	  "$schema": "https://example.com/relgate.schema.json",
	  "globalInputs": [".nvmrc", "tools/build/**", "{a,b}/*.json"],
	  "products": {
	    "distributor": {
	      "package": "@hotel/distributor",
	      "inputs": ["tools/build/distributor.config.js"],
	      "build": {"run": "npm run build", "timeout": "5m", "idleTimeout": "30s", "retries": 2},
	      "artifact": "apps/distributor/dist",
	      "checks": [
	        {"name": "boot", "boot": {"page": "index.html", "ready": "window.ready === true", "timeout": "20s"}},
	        {"name": "boot-defaults", "boot": {}},
	        {"name": "e2e", "run": "npm test", "timeout": "10m", "idleTimeout": "2m", "retries": 1},
	        {"name": "quick", "run": "true", "timeout": "500ms", "retries": 0}
	      ],
	      "owners": ["qa", "team", "hook", "log"],
	      "url": "http://127.0.0.1:8080/p/distributor/",
	      "keep": 20
	    },
	    "portal": {"package": "@hotel/portal"}
	  },
	  "channels": {
	    "qa": {"type": "slack", "url": "https://hooks.example/qa"},
	    "hook": {"type": "webhook", "url": "https://hooks.example/any"},
	    "team": {"type": "email", "to": ["dist@example.com", "qa@example.com"],
	             "smtp": "smtp://127.0.0.1:2525", "from": "relgate@example.com"},
	    "log": {"type": "command", "run": "tee -a notifications.log"}
	  },
	  "store": {"path": ".relgate/store"},
	  "server": {"listen": "127.0.0.1:8080", "tokenEnv": "RELGATE_TOKEN"},
	  "watch": {"bake": "1h", "interval": "1.5s", "autoRollback": false,
	            "fatal": {"events": 3, "clients": 2}}
	}
	EOF
	"$RELGATE" -C ws affected --base HEAD >out 2>err &&
	test_cmp /dev/null err &&
	test_grep "^not affected: distributor, portal$" out
'

test_expect_success 'an empty object is a valid relgate.json: no products then' '
	echo "{}" | config &&
	"$RELGATE" -C ws affected --base HEAD >out 2>err &&
	test_cmp /dev/null err
'

test_expect_success 'an unknown key: the nearest key it may mean, and every key allowed there' '
	config <<-\EOF &&
	{"products": {"web": {"pakage": "web", "zzz": 1}}, "stor": {}}
	EOF
	test_expect_code 2 "$RELGATE" -C ws affected --base HEAD 2>err &&
	test_grep "relgate.json:1:23: unknown key \"pakage\" in products.web: did you mean \"package\"\? \(the keys here: package, inputs, build, artifact, checks, owners, url, keep, snippet\)" err &&
	test_grep "relgate.json:1:40: unknown key \"zzz\" in products.web \(the keys here: package, inputs," err &&
	test_grep "unknown key \"stor\" in the top level: did you mean \"store\"\?" err
'

test_expect_success 'unknown keys, at every level: exit 2, file:line:col of each key' '
	config <<-\EOF &&
	{
	  "products": {
	    "distributor": {
	      "package": "@hotel/distributor", "artifact": "dist",
	      "pakage": "x",
	      "build": {"run": "make", "timout": "5m"},
	      "checks": [
	        {"name": "boot", "boot": {"page": "index.html", "readyy": "x"}},
	        {"name": "e2e", "run": "npm test", "retry": 1}
	      ]
	    }
	  },
	  "channels": {"qa": {"type": "slack", "url": "https://x", "channel": "#qa"}},
	  "store": {"path": "s", "dir": "t"},
	  "server": {"listen": "127.0.0.1:1", "token": "x"},
	  "watch": {"fatal": {"events": 1, "users": 2}, "bakee": "1m"},
	  "global_inputs": []
	}
	EOF
	config_errors >actual &&
	{
		at 5 "\"pakage\"" "unknown key \"pakage\" in products.distributor" &&
		at 6 "\"timout\"" "unknown key \"timout\" in products.distributor.build" &&
		at 8 "\"readyy\"" "unknown key \"readyy\" in products.distributor.checks[0].boot" &&
		at 9 "\"retry\"" "unknown key \"retry\" in products.distributor.checks[1]" &&
		at 13 "\"channel\"" "unknown key \"channel\" in channels.qa" &&
		at 14 "\"dir\"" "unknown key \"dir\" in store" &&
		at 15 "\"token\"" "unknown key \"token\" in server" &&
		at 16 "\"users\"" "unknown key \"users\" in watch.fatal" &&
		at 16 "\"bakee\"" "unknown key \"bakee\" in watch" &&
		at 17 "\"global_inputs\"" "unknown key \"global_inputs\" in the top level"
	} >expect.raw &&
	LC_ALL=C sort expect.raw >expect &&
	test_cmp expect actual
'

test_expect_success 'wrong types: a string for an array, a number for a duration or a string' '
	config <<-\EOF &&
	{
	  "globalInputs": ".nvmrc",
	  "products": {
	    "distributor": {
	      "package": "@hotel/distributor",
	      "inputs": "tools/x.js",
	      "build": {"run": "make", "timeout": 300},
	      "owners": "qa",
	      "url": 8080,
	      "keep": "20"
	    }
	  },
	  "watch": {"autoRollback": "yes", "interval": 5}
	}
	EOF
	config_errors >actual &&
	{
		at 2 "\".nvmrc\"" "globalInputs must be an array of strings" &&
		at 6 "\"tools/x.js\"" "products.distributor.inputs must be an array of strings" &&
		at 7 "300" "products.distributor.build.timeout must be a duration like \"500ms\", \"20s\", \"5m\" or \"1h\"" &&
		at 8 "\"qa\"" "products.distributor.owners must be an array of strings" &&
		at 9 "8080" "products.distributor.url must be a string, not a number" &&
		at 10 "\"20\"" "products.distributor.keep must be a whole number from 1 to 100000" &&
		at 13 "\"yes\"" "watch.autoRollback must be true or false" &&
		at 13 "5}" "watch.interval must be a duration like \"500ms\", \"20s\", \"5m\" or \"1h\""
	} >expect.raw &&
	LC_ALL=C sort expect.raw >expect &&
	test_cmp expect actual
'

test_expect_success 'bad durations: "5 minutes", "-1s", "0s", "10", "5min", ""' '
	config <<-\EOF &&
	{
	  "products": {
	    "distributor": {
	      "package": "@hotel/distributor", "artifact": "dist",
	      "build": {"run": "make", "timeout": "5 minutes"},
	      "checks": [
	        {"name": "a", "run": "x", "timeout": "-1s"},
	        {"name": "b", "run": "x", "idleTimeout": "0s"},
	        {"name": "c", "boot": {"timeout": "10"}}
	      ]
	    }
	  },
	  "watch": {"bake": "5min", "interval": ""}
	}
	EOF
	config_errors >actual &&
	{
		at 5 "\"5 minutes\"" "products.distributor.build.timeout must be a duration like \"500ms\", \"20s\", \"5m\" or \"1h\"" &&
		at 7 "\"-1s\"" "products.distributor.checks[0].timeout must be a duration like \"500ms\", \"20s\", \"5m\" or \"1h\"" &&
		at 8 "\"0s\"" "products.distributor.checks[1].idleTimeout must be longer than zero" &&
		at 9 "\"10\"" "products.distributor.checks[2].boot.timeout must be a duration like \"500ms\", \"20s\", \"5m\" or \"1h\"" &&
		at 13 "\"5min\"" "watch.bake must be a duration like \"500ms\", \"20s\", \"5m\" or \"1h\"" &&
		at 13 "\"\"" "watch.interval must be a duration like \"500ms\", \"20s\", \"5m\" or \"1h\""
	} >expect.raw &&
	LC_ALL=C sort expect.raw >expect &&
	test_cmp expect actual
'

test_expect_success 'bad numbers: negative retries, a fraction, zero fatal events' '
	config <<-\EOF &&
	{
	  "products": {
	    "distributor": {
	      "package": "@hotel/distributor",
	      "build": {"run": "make", "retries": -1},
	      "checks": [{"name": "a", "run": "x", "retries": 1.5}],
	      "keep": 0
	    }
	  },
	  "watch": {"fatal": {"events": 0, "clients": -2}}
	}
	EOF
	config_errors >actual &&
	{
		at 5 "-1" "products.distributor.build.retries must be a whole number from 0 to 100" &&
		at 6 "1.5" "products.distributor.checks[0].retries must be a whole number from 0 to 100" &&
		at 7 "0" "products.distributor.keep must be a whole number from 1 to 100000" &&
		at 10 "0," "watch.fatal.events must be a whole number from 1 to 1000000" &&
		at 10 "-2" "watch.fatal.clients must be a whole number from 1 to 1000000"
	} >expect.raw &&
	LC_ALL=C sort expect.raw >expect &&
	test_cmp expect actual
'

test_expect_success 'an owner that is not a channel; unknown and incomplete channels' '
	config <<-\EOF &&
	{
	  "products": {
	    "distributor": {
	      "package": "@hotel/distributor",
	      "owners": ["qa", "nobody"]
	    }
	  },
	  "channels": {
	    "qa": {"type": "pigeon"},
	    "mail": {"type": "email", "to": ["a@example.com"]},
	    "hook": {"type": "slack"},
	    "cmd": {"type": "command"},
	    "untyped": {"url": "https://x"}
	  }
	}
	EOF
	config_errors >actual &&
	{
		at 5 "\"nobody\"" "owner \"nobody\" is not a channel in \"channels\"" &&
		at 9 "\"pigeon\"" "unknown channel type \"pigeon\" (webhook, slack, teams, email, github or command)" &&
		at 10 "\"email\"" "an email channel needs \"to\" and \"smtp\"" &&
		at 11 "\"slack\"" "a slack channel needs one of \"url\" and \"urlEnv\" (the name of the environment variable that holds a secret URL)" &&
		at 12 "\"command\"" "a command channel needs \"run\"" &&
		at 13 "{" "\"type\" is required in channels.untyped"
	} >expect.raw &&
	LC_ALL=C sort expect.raw >expect &&
	test_cmp expect actual
'

test_expect_success 'channels: a secret URL by environment variable, SMTP and GitHub settings' '
	config <<-\EOF &&
	{
	  "channels": {
	    "both": {"type": "webhook", "url": "http://127.0.0.1:1/x", "urlEnv": "HOOK"},
	    "teams": {"type": "teams"},
	    "mail": {"type": "email", "to": ["a@example.com"], "smtp": "http://127.0.0.1:25"},
	    "auth": {"type": "email", "to": ["a@example.com"], "smtp": "smtp://127.0.0.1:25",
	             "passwordEnv": "PASS"},
	    "gh": {"type": "github", "repo": "norepo"},
	    "good": {"type": "slack", "urlEnv": "SLACK_URL"},
	    "inject": {"type": "email", "to": ["a@example.com\r\nBcc: x@example.com"], "smtp": "smtp://h"}
	  },
	  "notify": {"timeout": "0s", "retryFor": "soon"}
	}
	EOF
	config_errors >actual &&
	{
		at 3 "\"webhook\"" "a webhook channel needs one of \"url\" and \"urlEnv\" (the name of the environment variable that holds a secret URL)" &&
		at 4 "\"teams\"}" "a teams channel needs one of \"url\" and \"urlEnv\" (the name of the environment variable that holds a secret URL)" &&
		at 5 "\"email\"" "\"smtp\" must be an smtp:// or smtps:// URL" &&
		at 6 "\"email\"" "\"passwordEnv\" needs \"user\"" &&
		at 8 "\"github\"" "\"repo\" must be OWNER/NAME" &&
		at 10 "\"email\"" "\"to\" and \"from\" must be e-mail addresses (a@b.example, or Name <a@b.example>), one line each" &&
		at 12 "\"0s\"" "notify.timeout must be longer than zero" &&
		at 12 "\"soon\"" "notify.retryFor must be a duration like \"500ms\", \"20s\", \"5m\" or \"1h\""
	} >expect.raw &&
	LC_ALL=C sort expect.raw >expect &&
	test_cmp expect actual
'

test_expect_success 'a product whose package is not in the workspace: exit 2, file:line:col' '
	config <<-\EOF &&
	{
	  "products": {
	    "distributor": {"package": "@hotel/distributor"},
	    "ghost": {"package": "@hotel/ghost"},
	    "portal": {}
	  }
	}
	EOF
	config_errors >actual &&
	{
		at 4 "\"ghost\"" "product \"ghost\": no workspace package is named \"@hotel/ghost\"" &&
		at 5 "\"portal\"" "product \"portal\": no workspace package is named \"portal\""
	} >expect.raw &&
	LC_ALL=C sort expect.raw >expect &&
	test_cmp expect actual
'

test_expect_success 'bad product names and patterns' '
	config <<-\EOF &&
	{
	  "globalInputs": ["../outside", "a/[b"],
	  "products": {
	    "a/b": {"package": "@hotel/distributor"},
	    ".hidden": {"package": "@hotel/portal", "inputs": ["/etc/passwd"]}
	  }
	}
	EOF
	config_errors >actual &&
	{
		at 2 "\"../outside\"" "globalInputs[0] must be relative to the workspace and stay inside it" &&
		at 2 "\"a/[b\"" "globalInputs[1]: bad pattern: \"[\" is never closed" &&
		at 4 "\"a/b\"" "product name \"a/b\" holds \"/\", \"\\\" or a space" &&
		at 5 "\".hidden\"" "product name \".hidden\" starts with \".\"" &&
		at 5 "\"/etc/passwd\"" "products..hidden.inputs[0] must be relative to the workspace and stay inside it"
	} >expect.raw &&
	LC_ALL=C sort expect.raw >expect &&
	test_cmp expect actual
'

test_expect_success 'duplicate keys: exit 2, where the second key starts' '
	config <<-\EOF &&
	{
	  "products": {
	    "distributor": {"package": "@hotel/distributor"},
	    "distributor": {"package": "@hotel/portal"}
	  }
	}
	EOF
	config_errors >actual &&
	at 4 "\"distributor\"" "duplicate" >expect &&
	grep -o "^relgate.json:[0-9]*:[0-9]*: duplicate" actual >prefix &&
	test_cmp expect prefix
'

test_expect_success 'several errors of different kinds in one run, a missing package too' '
	config <<-\EOF &&
	{
	  "globalInputs": ".nvmrc",
	  "products": {
	    "distributor": {
	      "package": "@hotel/distributor", "artifact": "dist",
	      "build": {"run": "make", "timeout": "5 minutes"},
	      "owners": ["nobody"]
	    },
	    "ghost": {"package": "@hotel/ghost"}
	  },
	  "channels": {"x": {"type": "pigeon"}},
	  "colour": "blue"
	}
	EOF
	config_errors >actual &&
	{
		at 2 "\".nvmrc\"" "globalInputs must be an array of strings" &&
		at 6 "\"5 minutes\"" "products.distributor.build.timeout must be a duration like \"500ms\", \"20s\", \"5m\" or \"1h\"" &&
		at 7 "\"nobody\"" "owner \"nobody\" is not a channel in \"channels\"" &&
		at 9 "\"ghost\"" "product \"ghost\": no workspace package is named \"@hotel/ghost\"" &&
		at 11 "\"pigeon\"" "unknown channel type \"pigeon\" (webhook, slack, teams, email, github or command)" &&
		at 12 "\"colour\"" "unknown key \"colour\" in the top level"
	} >expect.raw &&
	LC_ALL=C sort expect.raw >expect &&
	test_cmp expect actual
'

test_expect_success 'graph validates the configuration the same way' '
	test_expect_code 2 "$RELGATE" -C ws graph 2>err &&
	test_grep "relgate.json:12:3: unknown key \"colour\"" err
'

test_expect_success '--config FILE: that file, relative to the -C folder as with git, named as given' '
	mkdir -p conf &&
	cat >conf/release.json <<-\EOF &&
	{
	  "products": {"d": {"package": "@hotel/distributor", "keep": -1}}
	}
	EOF
	test_expect_code 2 "$RELGATE" -C ws --config ../conf/release.json affected --base HEAD 2>err &&
	echo "relgate: error: ../conf/release.json:2:$(awk "NR == 2 { print index(\$0, \"-1\") }" conf/release.json): products.d.keep must be a whole number from 1 to 100000" >expect &&
	test_cmp expect err
'

test_expect_success '--config FILE: a valid file is used instead of relgate.json' '
	cat >ws/other.json <<-\EOF &&
	{"products": {"only-portal": {"package": "@hotel/portal"}}}
	EOF
	(cd ws && echo "// x" >>apps/portal/src/index.js && commit_all portal) &&
	"$RELGATE" -C ws --config other.json affected --base HEAD~ >out &&
	sed 1d out >actual &&
	echo "only-portal <- apps/portal/src/index.js (changed)" >expect &&
	test_cmp expect actual
'

test_expect_success 'relgate.json is found from a subfolder' '
	echo "{\"products\": {\"dist\": {\"package\": \"@hotel/distributor\"}}}" | config &&
	(cd ws/apps/portal/src && "$RELGATE" affected --base HEAD~) >out &&
	sed 1d out >actual &&
	echo "not affected: dist" >expect &&
	test_cmp expect actual
'

test_done
