#!/bin/sh
#
# t0204: notifications, against real receivers on loopback (tests/receiver.py:
# HTTP with GitHub's comment API, and SMTP).  The forms on the wire, byte for
# byte where they are fixed (Slack blocks, the GitHub comment, the e-mail's
# headers); plan --notify to owners and QA, once per pull request and
# content, the GitHub comment updated in place and found again by its
# marker; releases, forced releases and rollbacks (queued, sent in the
# background); test --notify; receivers that hang, fail, or do not listen:
# the command ends on time, the message waits in the outbox and is sent
# once by a later flush, also by two at once; secrets never in output or
# history.

. "$(dirname "$0")/test-lib.sh"

test_before_each='cd "$TRASH/ws"'
command -v jq >/dev/null || skip_all "jq is missing (apt-get install jq)"
command -v python3 >/dev/null || skip_all "python3 is missing (apt-get install python3)"
command -v sqlite3 >/dev/null || skip_all "sqlite3 is missing (apt-get install sqlite3)"

# this run's CI must not choose the pull request or the branch
unset GITHUB_REF GITHUB_EVENT_PATH GITHUB_HEAD_REF GITHUB_REF_NAME GITHUB_REPOSITORY \
	GITHUB_API_URL CI_MERGE_REQUEST_IID CI_MERGE_REQUEST_SOURCE_BRANCH_NAME \
	CI_COMMIT_REF_NAME BUILDKITE_BRANCH CIRCLE_BRANCH BRANCH_NAME RELGATE_PR RELGATE_BRANCH
export GITHUB_TOKEN=t0k3n-for-tests
export HOOK_URL SMTP_PASS=pa55-w0rd-secret

RCV=$TRASH/rcv
mkdir -p "$RCV" "$TRASH/ws"
RECEIVER_TOKEN=$GITHUB_TOKEN python3 "$SRCDIR/tests/receiver.py" "$RCV" 2>"$TRASH/receiver.log" &
receiver=$!
trap 'kill $receiver 2>/dev/null' EXIT INT TERM

# Wait (at most 10 s) for the receiver to say its ports.
receiver_ready() {
	i=0
	while ! test -s "$RCV/smtp-port"; do
		test $i -lt 100 || { echo "the receiver did not start"; cat "$TRASH/receiver.log"; return 1; }
		sleep 0.1
		i=$((i + 1))
	done
}

# mode ok|500|hang|slow: how the receivers answer from now on
mode() {
	echo "$1" >"$RCV/mode"
}

# The body of a recorded HTTP request.
body() {
	sed '1,/^$/d' "$1"
}

# The recorded requests (or e-mails) of delivery $1, by file name.
requests_of() {
	for f in "$RCV"/*.http "$RCV"/*.eml; do
		if test -f "$f" && grep -q "^X-Relgate-Delivery: $1.\{0,1\}\$" "$f"; then
			echo "$f"
		fi
	done
}

# Wait (at most 20 s) until delivery $1 has arrived $2 times (default 1).
arrived() {
	i=0
	while test "$(requests_of "$1" | wc -l)" -lt "${2:-1}"; do
		test $i -lt 200 || { echo "delivery $1 did not arrive"; return 1; }
		sleep 0.1
		i=$((i + 1))
	done
}

# Wait (at most 20 s) until the sender in the background has tried delivery $1 and let it go.
tried() {
	i=0
	while test "$(sqlite3 .relgate/store/relgate.db \
		"SELECT attempts > 0 AND lease_ms = 0 FROM deliveries WHERE id = '$1'")" != 1; do
		test $i -lt 200 || { echo "delivery $1 was not tried"; return 1; }
		sleep 0.1
		i=$((i + 1))
	done
}

# The id of the last delivery to channel $1, from the outbox.
last_id() {
	sqlite3 .relgate/store/relgate.db \
		"SELECT id FROM deliveries WHERE channel = '$1' ORDER BY seq DESC LIMIT 1"
}

test_expect_success 'setup: receivers on loopback, a workspace with every kind of channel' '
	receiver_ready &&
	H=$(cat "$RCV/http-port") && S=$(cat "$RCV/smtp-port") &&
	make_package packages/shared @x/shared &&
	make_package apps/a a @x/shared &&
	make_package apps/b b @x/shared &&
	cat >relgate.json <<-EOF &&
	{"products": {
	   "a": {"artifact": "apps/a/dist", "owners": ["qa", "team-a", "gh"],
	         "checks": [{"name": "unit", "run": "echo the unit tests of a fail; exit 1"}]},
	   "b": {"artifact": "apps/b/dist", "owners": ["hook", "log"]}},
	 "channels": {
	   "qa": {"type": "slack", "url": "http://127.0.0.1:$H/hooks/qa"},
	   "teams": {"type": "teams", "url": "http://127.0.0.1:$H/teams"},
	   "team-a": {"type": "email", "to": ["a@hotel.example"], "smtp": "smtp://127.0.0.1:$S",
	              "from": "relgate <relgate@hotel.example>", "user": "relgate",
	              "passwordEnv": "SMTP_PASS"},
	   "hook": {"type": "webhook", "urlEnv": "HOOK_URL"},
	   "gh": {"type": "github", "apiUrl": "http://127.0.0.1:$H/api", "repo": "hotel/suite"},
	   "log": {"type": "command", "run": "cat >>notifications.log"},
	   "envdump": {"type": "command", "run": "env >command-env.txt; echo \"\$HOOK_URL\"; exit 1"},
	   "down": {"type": "webhook", "url": "http://127.0.0.1:9/nobody"},
	   "leaky": {"type": "webhook", "url": "http://127.0.0.1:$H/in?token=abc123"}},
	 "notify": {"plan": ["qa"], "timeout": "2s"}}
	EOF
	HOOK_URL=http://127.0.0.1:$H/secret-path/s3cr3t-h00k &&
	echo "HOOK_URL=$HOOK_URL" >"$TRASH/env" &&
	printf "dist/\nnotifications.log\ncommand-env.txt\n" >.gitignore &&
	make_workspace "apps/*" "packages/*" &&
	echo "export const y = 2;" >>packages/shared/src/index.js &&
	git commit -qam "shared: y"
'
test -f "$TRASH/env" && . "$TRASH/env"

test_expect_success 'a message to Slack: its blocks, byte for byte, with the delivery id' '
	"$RELGATE" notify --channel qa --message "deploy at 5 <b> & co" 2>err &&
	test_grep "^notify: qa \(slack\): sent d000001$" err &&
	f=$(requests_of d000001) &&
	head -n 1 "$f" >line && echo "POST /hooks/qa" >expect && test_cmp expect line &&
	test_grep "^Content-Type: application/json; charset=utf-8$" "$f" &&
	body "$f" >actual &&
	printf "%s\n" "{\"text\": \"deploy at 5 <b> & co\", \"blocks\": [{\"type\": \"header\", \"text\": {\"type\": \"plain_text\", \"text\": \"deploy at 5 <b> & co\"}}, {\"type\": \"section\", \"text\": {\"type\": \"mrkdwn\", \"text\": \"deploy at 5 &lt;b&gt; &amp; co\"}}, {\"type\": \"context\", \"elements\": [{\"type\": \"mrkdwn\", \"text\": \"relgate message, delivery d000001\"}]}]}" | tr -d "\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'Teams gets an Adaptive Card; the webhook relgate JSON, from a URL in the environment' '
	"$RELGATE" notify --channel teams --channel hook --subject "Freeze" --message "no releases today" 2>err &&
	test_grep "teams \(teams\): sent d000002" err &&
	test_grep "hook \(webhook\): sent d000003" err &&
	body "$(requests_of d000002)" >card.json &&
	test "$(jq -r ".attachments[0].contentType" card.json)" = application/vnd.microsoft.card.adaptive &&
	test "$(jq -r ".attachments[0].content.body[0].text" card.json)" = Freeze &&
	test "$(jq -r ".attachments[0].content.body[1].text" card.json)" = "no releases today" &&
	f=$(requests_of d000003) &&
	head -n 1 "$f" >line && test_grep "^POST /secret-path/s3cr3t-h00k$" line &&
	body "$f" >hook.json &&
	test "$(jq -c "[.v, .delivery, .kind, .subject, .sections[0].lines[0]]" hook.json)" = \
		"[1,\"d000003\",\"message\",\"Freeze\",\"no releases today\"]"
'

test_expect_success 'e-mail over SMTP: the headers, the envelope, both parts, a subject in UTF-8' '
	"$RELGATE" notify --channel team-a --subject "Überprüfung: a & b" --message "line one
.a line that starts with a dot" 2>err &&
	test_grep "team-a \(email\): sent d000004" err &&
	f=$(requests_of d000004) &&
	sed -n "1,/^\r$/p" "$f" | tr -d "\r" |
		sed -e "s/^Date: .*/Date: DATE/" -e "s/^Message-ID: <d000004\.[0-9]*@.*>$/Message-ID: ID/" \
		    -e "s/boundary=\"relgate-d000004-[0-9]*\"/boundary=B/" >headers &&
	cat >expect <<-\EOF &&
	From: relgate <relgate@hotel.example>
	To: a@hotel.example
	Subject: =?UTF-8?B?w5xiZXJwcsO8ZnVuZzogYSAmIGI=?=
	Date: DATE
	Message-ID: ID
	X-Relgate-Delivery: d000004
	X-Relgate-Kind: message
	MIME-Version: 1.0
	Content-Type: multipart/alternative; boundary=B

	EOF
	test_cmp expect headers &&
	env=${f%.eml}.env &&
	test_grep "^MAIL FROM:<relgate@hotel.example>" "$env" &&
	test_grep "^RCPT TO:<a@hotel.example>" "$env" &&
	test_grep "^AUTH PLAIN" "$env" &&
	python3 -c "
import email, email.header, sys
m = email.message_from_binary_file(open(sys.argv[1], \"rb\"))
print(str(email.header.make_header(email.header.decode_header(m[\"Subject\"]))))
for part in m.get_payload():
    print(part.get_content_type())
    print(part.get_payload(decode=True).decode())
" "$f" >parts &&
	test_grep "^Überprüfung: a & b$" parts &&
	test_grep "^text/plain$" parts && test_grep "^text/html$" parts &&
	test_grep "^\.a line that starts with a dot$" parts &&
	test_grep "<li>\.a line that starts with a dot</li>" parts &&
	test_grep "^<h2>Überprüfung: a &amp; b</h2>$" parts
'

test_expect_success 'a command channel gets the JSON on its stdin' '
	"$RELGATE" notify --channel log --message "to the log" 2>err &&
	test_grep "log \(command\): sent d000005" err &&
	test "$(jq -r ".delivery + \" \" + .sections[0].lines[0]" notifications.log)" = "d000005 to the log"
'

test_expect_success 'plan --notify: the plan to every owner and to QA, each channel once' '
	RELGATE_PR=7 "$RELGATE" plan --base HEAD~1 --notify >out 2>err &&
	test_grep "^Release plan: 2 of 2 products" out &&
	for c in "qa \\(slack\\)" "team-a \\(email\\)" "gh \\(github\\)" "hook \\(webhook\\)" "log \\(command\\)"; do
		test_grep "^notify: $c: sent d0000" err || return 1
	done &&
	test "$(grep -c "^notify: qa " err)" = 1 &&
	body "$(requests_of "$(last_id qa)")" >slack.json &&
	test "$(jq -r ".blocks[0].text.text" slack.json)" = "relgate: release plan, 2 of 2 products ($(git rev-parse --short=10 HEAD~1)...$(git rev-parse --short=10 HEAD))" &&
	jq -r ".blocks[1].text.text" slack.json >a.txt &&
	test_grep "^\*a\*$" a.txt &&
	test_grep "^why: a &lt;- @x/shared \(dependency\) &lt;- packages/shared/src/index.js \(changed\)$" a.txt &&
	test_grep "^owners: qa \(slack\), team-a \(email\), gh \(github\)$" a.txt &&
	test_grep "^active: none: its first release$" a.txt &&
	body "$(requests_of "$(last_id hook)")" >hook.json &&
	test "$(jq -r "[.data.products[].name] | join(\" \")" hook.json)" = "a b"
'

test_expect_success 'GitHub: the comment is looked for, then made, its body byte for byte' '
	id=$(last_id gh) &&
	requests_of "$id" >files &&
	xargs head -q -n 1 <files >lines &&
	cat >expect <<-\EOF &&
	GET /api/repos/hotel/suite/issues/7/comments?per_page=100&page=1
	POST /api/repos/hotel/suite/issues/7/comments
	EOF
	test_cmp expect lines &&
	f=$(tail -n 1 files) &&
	test_grep "^Authorization: Bearer t0k3n-for-tests" "$f" &&
	test_grep "^X-GitHub-Api-Version: 2022-11-28" "$f" &&
	body "$f" | jq -j .body >comment &&
	{
		echo "<!-- relgate: plan pr:7 -->" &&
		"$RELGATE" plan --base HEAD~1 --format markdown &&
		printf "\n<sub>relgate plan, delivery %s</sub>\n" "$id"
	} >expect &&
	test_cmp expect comment
'

test_expect_success 'the same plan again is not sent again; a changed one is, the comment updated in place' '
	RELGATE_PR=7 "$RELGATE" plan --base HEAD~1 --notify >/dev/null 2>err &&
	test_grep "^notify: qa \(slack\): not sent again: the same as d0000[0-9]+, sent already" err &&
	test_grep "^notify: gh \(github\): not sent again" err &&
	test_grep_not "sent d0000" err &&
	echo "export const z = 3;" >>packages/shared/src/index.js && git commit -qam "shared: z" &&
	RELGATE_PR=7 "$RELGATE" plan --base HEAD~2 --notify >/dev/null 2>err &&
	test_grep "^notify: gh \(github\): sent d0000" err &&
	f=$(requests_of "$(last_id gh)") &&
	head -n 1 "$f" >line && test_grep "^PATCH /api/repos/hotel/suite/issues/comments/1000$" line &&
	ls "$RCV"/*.http | xargs grep -l "^POST /api/repos/hotel/suite/issues/7/comments" >posts &&
	test "$(wc -l <posts)" = 1
'

test_expect_success 'the comment is found again by its marker when relgate has forgotten its id' '
	sqlite3 .relgate/store/relgate.db "DELETE FROM threads" &&
	echo "export const w = 4;" >>packages/shared/src/index.js && git commit -qam "shared: w" &&
	RELGATE_PR=7 "$RELGATE" plan --base HEAD~3 --notify >/dev/null 2>err &&
	test_grep "^notify: gh \(github\): sent" err &&
	id=$(last_id gh) &&
	requests_of "$id" | xargs head -q -n 1 >lines &&
	cat >expect <<-\EOF &&
	GET /api/repos/hotel/suite/issues/7/comments?per_page=100&page=1
	PATCH /api/repos/hotel/suite/issues/comments/1000
	EOF
	test_cmp expect lines
'

test_expect_success 'a plan outside a pull request: no GitHub comment, the branch is the thread' '
	"$RELGATE" plan --base HEAD~1 --notify >/dev/null 2>err &&
	test_grep "^notify: gh \(github\): no pull request in this run" err &&
	test_grep "^notify: qa \(slack\): sent" err &&
	test "$(sqlite3 .relgate/store/relgate.db "SELECT thread FROM deliveries WHERE channel = \"qa\" ORDER BY seq DESC LIMIT 1")" = "plan branch:main"
'

test_expect_success 'a receiver that answers 500: said, queued, sent once by a later flush' '
	mode 500 &&
	test_expect_code 3 "$RELGATE" notify --channel qa --message "while it is down" 2>err &&
	test_grep "^notify: qa \(slack\): not delivered \(answered 500: down for maintenance\); d0000[0-9]+ is retried from" err &&
	id=$(last_id qa) &&
	test "$(sqlite3 .relgate/store/relgate.db "SELECT state || \" \" || attempts FROM deliveries WHERE id = \"$id\"")" = "pending 1" &&
	"$RELGATE" notify --flush 2>err &&
	test_grep "^notify: nothing due in the outbox" err &&
	mode ok &&
	"$RELGATE" notify --flush --all 2>err &&
	test_grep "^notify: qa \(slack\): sent $id$" err &&
	arrived "$id" &&
	"$RELGATE" notify --flush --all 2>err &&
	test_grep "nothing pending" err &&
	test "$(requests_of "$id" | wc -l)" = 1
'

test_expect_success 'a receiver that hangs, or answers slowly: the command ends at notify.timeout' '
	mode hang &&
	t0=$(now_ms) &&
	{
		"$RELGATE" notify --channel qa --channel team-a --channel log --message "hanging" 2>err &
	} &&
	pid=$! &&
	test_expect_code 3 wait_bounded $pid 30 &&
	t1=$(now_ms) &&
	# a bound, not a speed: 2 s of notify.timeout, and room for a busy machine
	test $((t1 - t0)) -lt 8000 &&
	test_grep "^notify: qa \(slack\): not delivered \(no answer within 2.0 s\)" err &&
	test_grep "^notify: team-a \(email\): not delivered \(no answer within 2.0 s\)" err &&
	test_grep "^notify: log \(command\): sent" err &&
	mode slow &&
	"$RELGATE" notify --flush --all --timeout 10s 2>err &&
	test "$(grep -c ": sent d" err)" = 2 &&
	mode ok
'

test_expect_success 'a receiver that is not listening: queued, listed, given up after notify.retryFor' '
	test_expect_code 3 "$RELGATE" notify --channel down --message "nobody there" 2>err &&
	test_grep "^notify: down \(webhook\): not delivered \(Failed to connect to 127.0.0.1 port 9 .*\)" err &&
	"$RELGATE" notify --list >list &&
	test_grep "^d0000[0-9]+  pending  down " list &&
	test_grep "1 attempt, next " list &&
	"$RELGATE" notify --list --format json >list.json &&
	test "$(jq -r "[.deliveries[] | select(.channel == \"down\")][0].state" list.json)" = pending &&
	cp relgate.json keep.json &&
	sed "s/\"timeout\": \"2s\"/\"timeout\": \"2s\", \"retryFor\": \"1ms\"/" keep.json >relgate.json &&
	test_expect_code 3 "$RELGATE" notify --flush --all --channel down 2>err &&
	test_grep "^notify: down \(webhook\): d0000[0-9]+ given up after notify.retryFor" err &&
	cp keep.json relgate.json &&
	"$RELGATE" notify --list >list &&
	test_grep "failed   down " list &&
	"$RELGATE" status >status &&
	test_grep "^notifications: [0-9]+ waiting for a retry, 1 given up \(relgate notify --list\)$" status &&
	"$RELGATE" status --format json >status.json &&
	test "$(jq .outbox.failed status.json)" = 1
'

test_expect_success 'two flushes at once send each delivery once' '
	mode 500 &&
	for i in 1 2 3 4 5 6; do
		test_expect_code 3 "$RELGATE" notify --channel qa --channel hook --message "burst $i" 2>/dev/null || return 1
	done &&
	mode ok &&
	ids=$(sqlite3 .relgate/store/relgate.db "SELECT id FROM deliveries WHERE state = \"pending\" AND channel <> \"down\"") &&
	test "$(echo "$ids" | wc -w)" = 12 &&
	{ "$RELGATE" notify --flush --all 2>err1 & } &&
	p1=$! &&
	{ "$RELGATE" notify --flush --all 2>err2 & } &&
	p2=$! &&
	wait_bounded $p1 30 && wait_bounded $p2 30 &&
	for id in $ids; do
		test "$(requests_of "$id" | wc -l)" = 1 || { echo "$id: $(requests_of "$id" | wc -l)"; return 1; }
	done
'

test_expect_success 'a plain url that holds a secret is warned about' '
	"$RELGATE" notify --channel leaky --message "x" 2>err &&
	test_grep "channel \"leaky\": its \"url\" looks like it holds a secret" err &&
	test_grep "urlEnv" err
'

test_expect_success 'a forced release tells the owners who and why; a rollback queues and returns' '
	mkdir -p apps/b/dist && echo v1 >apps/b/dist/index.html &&
	"$RELGATE" release b --force --reason "hotfix for the checkout" >out 2>err &&
	test_grep "^notify: hook \(webhook\): sent" err &&
	body "$(requests_of "$(last_id hook)")" >rel.json &&
	test "$(jq -r .kind rel.json)" = forced &&
	test "$(jq -r .subject rel.json)" = "relgate: b r000001 released by force: the gate did not pass it" &&
	test "$(jq -r .data.reason rel.json)" = "hotfix for the checkout" &&
	jq -r ".sections[0].lines[]" rel.json >lines &&
	test_grep "^by: " lines && test_grep "^to go back: relgate rollback b$" lines &&
	echo v2 >apps/b/dist/index.html &&
	"$RELGATE" release b --force --reason v2 >/dev/null 2>&1 &&
	mode hang &&
	"$RELGATE" rollback b --reason "checkout broken" >out 2>err &&
	test_grep "^b: rolled back r000002 -> r000001" out &&
	test_grep "^notify: hook \(webhook\): queued d0000" err &&
	id=$(last_id hook) &&
	tried "$id" &&
	mode ok &&
	"$RELGATE" notify --flush --all 2>/dev/null &&
	arrived "$id" &&
	body "$(requests_of "$id" | head -n 1)" >rb.json &&
	test "$(jq -r .subject rb.json)" = "relgate: b rolled back to r000001 (from r000002)" &&
	jq -r ".sections[0].lines[]" rb.json >lines &&
	test_grep "^previous: r000002, now marked bad" lines &&
	test_grep "^reason: checkout broken$" lines
'

test_expect_success 'a rollback is sent by the relgate it leaves in the background' '
	echo v3 >apps/b/dist/index.html &&
	"$RELGATE" release b --force --reason v3 >/dev/null 2>&1 &&
	"$RELGATE" rollback b >out 2>err &&
	test_grep "queued d0000" err &&
	arrived "$(last_id hook)"
'

test_expect_success 'test --notify: the owners of a product the gate stopped, with the step and its output' '
	mkdir -p apps/a/dist && echo a >apps/a/dist/index.html &&
	test_expect_code 1 "$RELGATE" test a --notify >out 2>err &&
	test_grep "^notify: team-a \(email\): sent" err &&
	test_grep "^notify: gh \(github\): no pull request" err &&
	body "$(requests_of "$(last_id qa)")" >gate.json &&
	test "$(jq -r .blocks[0].text.text gate.json)" = "relgate: a failed the gate (unit)" &&
	jq -r .blocks[1].text.text gate.json >lines &&
	test_grep "^unit: failed: exit code 1$" lines &&
	test_grep "^&gt; the unit tests of a fail$" lines &&
	test_grep "^artifact: sha256:[0-9a-f]{64}: relgate release refuses it$" lines &&
	test_expect_code 1 "$RELGATE" test a >/dev/null 2>err &&
	test_grep_not "^notify:" err
'

test_expect_success 'no secret in any output, in the history, or in the outbox' '
	mode 500 &&
	test_expect_code 3 "$RELGATE" notify --channel envdump --message "x" 2>err &&
	test_grep "^notify: envdump \(command\): not delivered" err &&
	test -s command-env.txt &&
	test_grep_not "s3cr3t|pa55-w0rd|t0k3n" command-env.txt &&
	test_grep "^HOME=" command-env.txt &&
	test_expect_code 3 "$RELGATE" notify --channel hook --channel team-a --message "secret check" >out 2>err &&
	cat out err command-env.txt >all &&
	"$RELGATE" notify --list --limit 1000 >>all &&
	"$RELGATE" notify --list --limit 1000 --format json >>all &&
	"$RELGATE" history >>all 2>&1 &&
	sqlite3 .relgate/store/relgate.db .dump >>all &&
	test_grep "hook \(webhook\): not delivered" all &&
	test_grep_not "s3cr3t" all &&
	test_grep_not "pa55-w0rd" all &&
	test_grep_not "t0k3n" all &&
	mode ok
'

if command -v strace >/dev/null; then
test_expect_success 'affected and graph never open the history or the network' '
	ASAN_OPTIONS=detect_leaks=0 strace -f -e trace=openat,connect -o trace "$RELGATE" affected --base HEAD~1 >/dev/null &&
	ASAN_OPTIONS=detect_leaks=0 strace -f -e trace=openat,connect -o trace2 "$RELGATE" graph >/dev/null &&
	cat trace2 >>trace &&
	test_grep_not "relgate.db|connect\(|libcurl" trace
'
else
	test_skip 'affected and graph never open the history or the network' "strace is missing"
fi

test_expect_success 'bad use of notify: exit 2' '
	test_expect_code 2 "$RELGATE" notify 2>err &&
	test_expect_code 2 "$RELGATE" notify --message hi 2>err &&
	test_expect_code 2 "$RELGATE" notify --channel nobody --message hi 2>err &&
	test_grep "\"nobody\" is not a channel" err &&
	test_expect_code 2 "$RELGATE" notify --flush --list 2>err &&
	test_expect_code 2 "$RELGATE" notify --flush --timeout soon 2>err
'

test_done
