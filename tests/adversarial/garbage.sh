#!/bin/sh
# A step whose output is not text: control characters, a NUL, bytes that
# are not UTF-8 (a lone continuation byte, a bad lead byte, an overlong
# form, a surrogate, a code point past U+10FFFF, a sequence cut short),
# a noncharacter, and markup.  Then it fails, so that the output lands in
# the reports.
printf 'garbage begins\n'
printf 'bell \007 escape \033[31mred\033[0m nul \000 formfeed \014 vt \013 del \177\n'
printf 'lone continuation \200 bad lead \377 overlong \300\200 surrogate \355\240\200\n'
printf 'past U+10FFFF \364\220\200\200 noncharacter \357\277\276 cut short \342\202 here\n'
printf 'markup ]]> <testcase name="x"> & "quotes" \047apostrophe\047\n'
printf 'valid text: caf\303\251 \342\202\254 \360\237\232\200\n'
printf 'cut at the end \342\202'
exit 1
