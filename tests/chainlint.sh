#!/bin/sh
#
# chainlint.sh: finds broken &&-chains in the bodies of the tests, after
# git's t/chainlint.
#
#   sh tests/chainlint.sh tests/t*.sh
#
# A test body (the last argument of test_expect_success, test_expect_failure,
# or of a function of the script that passes "$@" on to one of them) is
# parsed as shell.  In every list of commands -- the body itself, and the
# lists inside { ... }, ( ... ), if, while, until, for, case arms and
# function definitions -- each command but the last must be joined to the
# next by &&, || or |, or run in the background with &.  A command ended
# by a newline or a ';' breaks the chain: the test would go on after it
# failed, and its failure would go unseen.  Here-documents, quoted strings
# (over several lines too), comments, $(...), ${...} and line continuations
# are read as the shell reads them.
#
# As in git, a command is not a broken link when the next one reads $? (it
# looks at the exit code on purpose) or when it ends in "return" or "exit"
# (as in "|| return 1"), and a list that goes on to "false", "return" or
# "exit" (it fails on purpose) has no broken link before them.
#
# Prints FILE:LINE: THE LINE for each broken link, and exits 1 when it found
# any (or could not parse a body), 0 otherwise.

exec perl -x "$0" "$@"

#!perl
use strict;
use warnings;

my %block = map { $_ => 1 } qw(test_expect_success test_expect_failure);
my %reserved_stop = map { $_ => 1 } qw(then elif else fi do done esac });

my ($file, @src, $found);

# The broken links of the body being checked, as source lines: printed in
# their order once the body is parsed (the inner lists end first).
our @broken;

# ---------------------------------------------------------------- lexer
#
# lex($text, \@lines) -> tokens.  $lines[$i] is the source line of the
# character $i of $text.  A token is a hash: t (w: word, op: operator,
# nl: newline, eof), s (its text as written), v (a word's value, its
# quotes removed), vl (the source line of each character of v), q (the word
# was quoted), l and el (its first and last source line).

sub lex {
	my ($text, $lines) = @_;
	my @tok;
	my @heredocs;	# [delimiter, strip tabs]
	my $want_delim = 0;
	my $n = length $text;
	my $i = 0;
	my $line_at = sub { my $k = shift; $k < $n ? $lines->[$k] : ($n ? $lines->[$n - 1] : 1) };

	while ($i < $n) {
		my $c = substr($text, $i, 1);
		if ($c eq ' ' || $c eq "\t") { $i++; next; }
		if ($c eq '\\' && substr($text, $i + 1, 1) eq "\n") { $i += 2; next; }
		if ($c eq '#') {
			$i++ while $i < $n && substr($text, $i, 1) ne "\n";
			next;
		}
		if ($c eq "\n") {
			push @tok, { t => 'nl', s => "\n", l => $line_at->($i), el => $line_at->($i) };
			$i++;
			# the bodies of the here-documents started on this line
			while (@heredocs) {
				my ($delim, $strip) = @{ shift @heredocs };
				while ($i < $n) {
					my $e = index($text, "\n", $i);
					$e = $n if $e < 0;
					my $l = substr($text, $i, $e - $i);
					$i = $e + 1;
					$l =~ s/^\t+// if $strip;
					last if $l eq $delim;
				}
				$i = $n if $i > $n;
			}
			next;
		}
		pos($text) = $i;
		if ($text =~ /\G(\d*(?:<<-|<<|<&|<>|>>|>&|>\||<|>)|&&|\|\||;;|;&|[|&;()])/gc) {
			my $op = $1;
			push @tok, { t => 'op', s => $op, l => $line_at->($i), el => $line_at->($i) };
			$i += length $op;
			$want_delim = ($op =~ /<<-?$/) ? ($op =~ /-$/ ? 2 : 1) : 0;
			next;
		}
		# a word
		my $start = $i;
		my ($v, $q, @vl) = ('', 0);
		while ($i < $n) {
			$c = substr($text, $i, 1);
			last if $c =~ /[ \t\n;&|<>()]/;
			if ($c eq '\\') {
				$q = 1;
				if (substr($text, $i + 1, 1) eq "\n") { $i += 2; next; }
				if ($i + 1 < $n) {
					$v .= substr($text, $i + 1, 1);
					push @vl, $line_at->($i + 1);
				}
				$i += 2;
			} elsif ($c eq "'") {
				$q = 1;
				my $e = index($text, "'", $i + 1);
				die [$line_at->($i), "unterminated single quote"] if $e < 0;
				for my $k ($i + 1 .. $e - 1) {
					$v .= substr($text, $k, 1);
					push @vl, $lines->[$k];
				}
				$i = $e + 1;
			} elsif ($c eq '"') {
				$q = 1;
				$i = scan_dq($text, $lines, $i, \$v, \@vl);
			} elsif ($c eq '$' || $c eq '`') {
				my $e = scan_dollar($text, $lines, $i);
				for my $k ($i .. $e - 1) {
					$v .= substr($text, $k, 1);
					push @vl, $lines->[$k];
				}
				$i = $e;
			} else {
				$v .= $c;
				push @vl, $lines->[$i];
				$i++;
			}
		}
		push @tok, { t => 'w', s => substr($text, $start, $i - $start), v => $v, vl => \@vl,
			q => $q, l => $line_at->($start), el => $line_at->($i - 1) };
		if ($want_delim) {
			push @heredocs, [$v, $want_delim == 2];
			$want_delim = 0;
		}
	}
	push @tok, { t => 'eof', s => '', l => $line_at->($n), el => $line_at->($n) };
	return \@tok;
}

# A double-quoted string from $i (its opening quote): appends its value to
# $$v and @$vl, returns the index after its closing quote.
sub scan_dq {
	my ($text, $lines, $i, $v, $vl) = @_;
	my $n = length $text;
	my $open = $i++;
	while ($i < $n) {
		my $c = substr($text, $i, 1);
		if ($c eq '"') {
			return $i + 1;
		} elsif ($c eq '\\') {
			my $d = substr($text, $i + 1, 1);
			if ($d eq "\n") {
				# removed
			} elsif ($d =~ /[\$`"\\]/) {
				$$v .= $d;
				push @$vl, $lines->[$i + 1];
			} else {
				$$v .= $c . $d;
				push @$vl, $lines->[$i], $lines->[$i + 1];
			}
			$i += 2;
		} elsif ($c eq '$' || $c eq '`') {
			my $e = scan_dollar($text, $lines, $i);
			for my $k ($i .. $e - 1) {
				$$v .= substr($text, $k, 1);
				push @$vl, $lines->[$k];
			}
			$i = $e;
		} else {
			$$v .= $c;
			push @$vl, $lines->[$i];
			$i++;
		}
	}
	die [$lines->[$open], "unterminated double quote"];
}

# An expansion from $i ($..., `...`): returns the index after it.
sub scan_dollar {
	my ($text, $lines, $i) = @_;
	my $n = length $text;
	my $c = substr($text, $i, 1);
	if ($c eq '`') {
		$i++;
		while ($i < $n) {
			$c = substr($text, $i, 1);
			return $i + 1 if $c eq '`';
			$i += $c eq '\\' ? 2 : 1;
		}
		die [0, "unterminated backquote"];
	}
	my $d = substr($text, $i + 1, 1);
	if ($d eq '(') {
		return scan_parens($text, $lines, $i + 1);
	} elsif ($d eq '{') {
		$i += 2;
		while ($i < $n) {
			$c = substr($text, $i, 1);
			if ($c eq '}') {
				return $i + 1;
			} elsif ($c eq '\\') {
				$i += 2;
			} elsif ($c eq "'") {
				my $e = index($text, "'", $i + 1);
				die [0, "unterminated single quote"] if $e < 0;
				$i = $e + 1;
			} elsif ($c eq '"') {
				my ($dv, @dl) = ('');
				$i = scan_dq($text, $lines, $i, \$dv, \@dl);
			} elsif ($c eq '$' || $c eq '`') {
				$i = scan_dollar($text, $lines, $i);
			} else {
				$i++;
			}
		}
		die [0, "unterminated \${"];
	}
	return $i + 1;
}

# Balanced parentheses from $i (an opening one), with the quotes inside:
# returns the index after the closing one.
sub scan_parens {
	my ($text, $lines, $i) = @_;
	my $n = length $text;
	my $depth = 0;
	while ($i < $n) {
		my $c = substr($text, $i, 1);
		if ($c eq '(') {
			$depth++;
			$i++;
		} elsif ($c eq ')') {
			$depth--;
			$i++;
			return $i if $depth == 0;
		} elsif ($c eq '\\') {
			$i += 2;
		} elsif ($c eq "'") {
			my $e = index($text, "'", $i + 1);
			die [0, "unterminated single quote"] if $e < 0;
			$i = $e + 1;
		} elsif ($c eq '"') {
			my ($dv, @dl) = ('');
			$i = scan_dq($text, $lines, $i, \$dv, \@dl);
		} elsif ($c eq '$' || $c eq '`') {
			$i = $c eq '$' && substr($text, $i + 1, 1) !~ /[({]/ ? $i + 1 : scan_dollar($text, $lines, $i);
		} else {
			$i++;
		}
	}
	die [0, "unterminated \$("];
}

# ---------------------------------------------------------------- parser
#
# A recursive descent over the tokens.  With check set (in a test body),
# each list of commands is checked for broken links.  Without it (the
# script around the tests), the calls of the test functions are found and
# their bodies checked.

our ($T, $p, $check, $func);

sub peek { $T->[$p] }
sub next_tok { $T->[$p++] }
sub is_word { my ($t, $w) = @_; $t->{t} eq 'w' && !$t->{q} && $t->{s} eq $w }
sub is_op { my ($t, $o) = @_; $t->{t} eq 'op' && $t->{s} eq $o }
sub skip_nl { $p++ while $T->[$p]{t} eq 'nl' }

sub fail_at {
	my ($t, $what) = @_;
	die [$t->{l}, $what];
}

sub expect_word {
	my $w = shift;
	my $t = peek();
	fail_at($t, "wanted '$w', found " . ($t->{t} eq 'nl' ? 'a newline' : $t->{t} eq 'eof' ? 'the end' : "'$t->{s}'"))
		unless is_word($t, $w);
	$p++;
}

sub expect_op {
	my $o = shift;
	my $t = peek();
	fail_at($t, "wanted '$o', found " . ($t->{t} eq 'nl' ? 'a newline' : $t->{t} eq 'eof' ? 'the end' : "'$t->{s}'"))
		unless is_op($t, $o);
	$p++;
}

# parse_list(stop words, stop operators): commands up to a stop token (not
# consumed) or the end.
sub parse_list {
	my ($words, $ops) = @_;
	my @items;
	while (1) {
		skip_nl();
		my $t = peek();
		last if $t->{t} eq 'eof';
		last if $t->{t} eq 'op' && $ops->{ $t->{s} };
		last if $t->{t} eq 'w' && !$t->{q} && $words->{ $t->{s} };
		my $first = $p;
		my $item = parse_and_or();
		$item->{first} = $first;
		$item->{last} = $p - 1;
		$t = peek();
		if ($t->{t} eq 'op' && ($t->{s} eq ';' || $t->{s} eq '&')) {
			$item->{sep} = $t->{s};
			$p++;
		} elsif ($t->{t} eq 'nl') {
			$item->{sep} = "\n";
			$p++;
		} else {
			$item->{sep} = '';
		}
		push @items, $item;
	}
	check_list(\@items) if $check;
}

sub check_list {
	my $items = shift;
	my @problems;
	for my $k (0 .. $#$items - 1) {
		my $it = $items->[$k];
		next if $it->{sep} eq '&' || $it->{sep} eq '';
		# it ends in return or exit: nothing runs after a failure
		my ($l1, $l2) = @$T[ $it->{last} - 1, $it->{last} ];
		next if is_word($l2, 'return') || is_word($l2, 'exit') ||
			($l2->{t} eq 'w' && $l2->{s} =~ /^(?:\d+|\$\?)$/ &&
			 (is_word($l1, 'return') || is_word($l1, 'exit')));
		my $nx = $items->[$k + 1];
		# the next command looks at $? on purpose
		next if reads_status($nx->{first});
		# the next command fails on purpose: no broken link before it
		my $w = $T->[ $nx->{first} ];
		if ($w->{t} eq 'w' && !$w->{q} && $w->{s} =~ /^(?:false|return|exit)$/) {
			@problems = ();
			next;
		}
		push @problems, $T->[ $it->{last} ];
	}
	push @broken, map { $_->{el} } @problems;
}

# Does the first simple command from token $k on (past the "(", "{", "if",
# "while", "until" or "!" that open it) read $?
sub reads_status {
	my $k = shift;
	$k++ while is_op($T->[$k], '(') || $T->[$k]{t} eq 'w' && !$T->[$k]{q} && $T->[$k]{s} =~ /^(?:\{|if|while|until|!)$/;
	for (; $T->[$k]{t} ne 'eof' && $T->[$k]{t} ne 'nl'; $k++) {
		last if $T->[$k]{t} eq 'op' && $T->[$k]{s} !~ /[<>]/;
		return 1 if $T->[$k]{t} eq 'w' && $T->[$k]{s} =~ /\$\?/;
	}
	return 0;
}

sub parse_and_or {
	parse_pipeline();
	while (is_op(peek(), '&&') || is_op(peek(), '||')) {
		$p++;
		skip_nl();
		parse_pipeline();
	}
	return {};
}

sub parse_pipeline {
	$p++ if is_word(peek(), '!');
	parse_command();
	while (is_op(peek(), '|')) {
		$p++;
		skip_nl();
		parse_command();
	}
}

sub parse_redirs {
	while (peek()->{t} eq 'op' && peek()->{s} =~ /[<>]/) {
		$p++;
		fail_at(peek(), "a redirection without a target") unless peek()->{t} eq 'w';
		$p++;
	}
}

sub parse_command {
	my $t = peek();
	if (is_op($t, '(')) {
		$p++;
		parse_list({}, { ')' => 1 });
		expect_op(')');
		parse_redirs();
		return;
	}
	if ($t->{t} eq 'w' && !$t->{q}) {
		my $w = $t->{s};
		if ($w eq '{') {
			$p++;
			parse_list({ '}' => 1 }, {});
			expect_word('}');
			parse_redirs();
			return;
		}
		if ($w eq 'if') {
			$p++;
			parse_list({ then => 1 }, {});
			expect_word('then');
			parse_list({ elif => 1, else => 1, fi => 1 }, {});
			while (is_word(peek(), 'elif')) {
				$p++;
				parse_list({ then => 1 }, {});
				expect_word('then');
				parse_list({ elif => 1, else => 1, fi => 1 }, {});
			}
			if (is_word(peek(), 'else')) {
				$p++;
				parse_list({ fi => 1 }, {});
			}
			expect_word('fi');
			parse_redirs();
			return;
		}
		if ($w eq 'while' || $w eq 'until') {
			$p++;
			parse_list({ do => 1 }, {});
			expect_word('do');
			parse_list({ done => 1 }, {});
			expect_word('done');
			parse_redirs();
			return;
		}
		if ($w eq 'for') {
			$p++;
			fail_at(peek(), "a for loop without a name") unless peek()->{t} eq 'w';
			$p++;
			skip_nl();
			if (is_word(peek(), 'in')) {
				$p++;
				$p++ while peek()->{t} eq 'w';
			}
			$p++ if is_op(peek(), ';');
			skip_nl();
			expect_word('do');
			parse_list({ done => 1 }, {});
			expect_word('done');
			parse_redirs();
			return;
		}
		if ($w eq 'case') {
			$p++;
			fail_at(peek(), "a case without a word") unless peek()->{t} eq 'w';
			$p++;
			skip_nl();
			expect_word('in');
			skip_nl();
			until (is_word(peek(), 'esac')) {
				$p++ if is_op(peek(), '(');
				fail_at(peek(), "a case arm without a pattern") unless peek()->{t} eq 'w';
				$p++;
				while (is_op(peek(), '|')) {
					$p++;
					fail_at(peek(), "a case arm without a pattern") unless peek()->{t} eq 'w';
					$p++;
				}
				expect_op(')');
				parse_list({ esac => 1 }, { ';;' => 1, ';&' => 1 });
				last unless is_op(peek(), ';;') || is_op(peek(), ';&');
				$p++;
				skip_nl();
			}
			expect_word('esac');
			parse_redirs();
			return;
		}
		fail_at($t, "unexpected '$w'") if $reserved_stop{$w};
	}
	# a simple command, or a function definition
	my $start = $p;
	my @words;
	while (1) {
		$t = peek();
		if ($t->{t} eq 'w') {
			push @words, $t;
			$p++;
		} elsif ($t->{t} eq 'op' && $t->{s} =~ /[<>]/) {
			parse_redirs();
		} else {
			last;
		}
	}
	if (@words == 1 && is_op(peek(), '(') && is_op($T->[ $p + 1 ], ')')) {
		$p += 2;
		skip_nl();
		my $outer = $func;
		$func = $words[0]{v};
		parse_command();
		$func = $outer;
		return;
	}
	fail_at($t, "unexpected " . ($t->{t} eq 'eof' ? 'end' : $t->{t} eq 'nl' ? 'newline' : "'$t->{s}'"))
		if $p == $start;
	return if $check || !@words;
	my $name = $words[0]{v};
	return unless $block{$name};
	my $body = $words[-1];
	if (@words < 3 || $body->{v} =~ /^\$(?:[@*]|\{[@*]\}|[0-9])$/) {
		# a function that hands its arguments on to a test function is
		# one too: xml_test() { test_expect_success "$@"; }
		$block{$func} = 1 if defined $func && grep { $_->{v} =~ /\$[@*2]/ } @words;
		return;
	}
	lint_body($body);
}

sub parse_script {
	my ($toks, $checking) = @_;
	local ($T, $p, $check, $func) = ($toks, 0, $checking, undef);
	parse_list({}, {});
	fail_at(peek(), "unexpected '" . peek()->{s} . "'") unless peek()->{t} eq 'eof';
}

sub lint_body {
	my $w = shift;
	local @broken;
	my $ok = eval {
		parse_script(lex($w->{v}, $w->{vl}), 1);
		1;
	};
	my %seen;
	for my $l (sort { $a <=> $b } grep { !$seen{$_}++ } @broken) {
		my $text = defined $src[$l - 1] ? $src[$l - 1] : '';
		$text =~ s/^\s+//;
		print "$file:$l: $text\n";
		$found++;
	}
	report_error($@, $w->{l}) unless $ok;
}

sub report_error {
	my ($err, $default) = @_;
	die $err unless ref $err eq 'ARRAY';
	my ($l, $what) = @$err;
	$l ||= $default;
	print "$file:$l: chainlint cannot parse this: $what\n";
	$found++;
}

# ---------------------------------------------------------------- main

die "usage: sh tests/chainlint.sh FILE...\n" unless @ARGV;
$found = 0;
for my $f (@ARGV) {
	$file = $f;
	open my $fh, '<', $f or die "chainlint: $f: $!\n";
	my $text = do { local $/; <$fh> };
	close $fh;
	@src = split /\n/, $text, -1;
	my @lines;
	my $l = 1;
	for my $c (split //, $text) {
		push @lines, $l;
		$l++ if $c eq "\n";
	}
	%block = map { $_ => 1 } qw(test_expect_success test_expect_failure);
	my $ok = eval {
		parse_script(lex($text, \@lines), 0);
		1;
	};
	report_error($@, 1) unless $ok;
}
exit($found ? 1 : 0);
__END__
