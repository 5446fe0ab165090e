/* json_test.c - unit tests for core/json: accept/reject, limits, lookup,
 * writer escaping and parse-write-parse round trips */

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "json.h"

/* A document that must parse (y_) or must not (n_); len 0 means strlen. */
struct doc_case {
	const char *name;
	const char *doc;
	size_t len;
};

static const struct doc_case yes[] = {
	{ "y_zero", "0", 0 },
	{ "y_minus_zero", "-0", 0 },
	{ "y_int", "123456789", 0 },
	{ "y_negative", "-42", 0 },
	{ "y_fraction", "1.5", 0 },
	{ "y_zero_fraction", "0.0", 0 },
	{ "y_exponent", "1e5", 0 },
	{ "y_exponent_upper", "1E5", 0 },
	{ "y_exponent_plus", "1e+5", 0 },
	{ "y_exponent_minus", "-1.25e-5", 0 },
	{ "y_exponent_zero_lead", "1e007", 0 },
	{ "y_big_int", "123456789012345678901234567890", 0 },
	{ "y_huge_exponent", "1e400", 0 },
	{ "y_tiny", "-0.0000000000000000000001", 0 },
	{ "y_true", "true", 0 },
	{ "y_false", "false", 0 },
	{ "y_null", "null", 0 },
	{ "y_empty_string", "\"\"", 0 },
	{ "y_string", "\"abc\"", 0 },
	{ "y_ws_around", " \t\r\n1\n\r\t ", 0 },
	{ "y_empty_array", "[]", 0 },
	{ "y_empty_array_ws", "[ \n ]", 0 },
	{ "y_empty_object", "{}", 0 },
	{ "y_empty_object_ws", "{\t}", 0 },
	{ "y_array_one", "[1]", 0 },
	{ "y_array_many", "[1,2,3]", 0 },
	{ "y_array_ws", "[ 1 , 2\n,\n3 ]", 0 },
	{ "y_array_nested", "[[[]]]", 0 },
	{ "y_array_mixed", "[null,true,false,0,\"\",[],{}]", 0 },
	{ "y_object_one", "{\"a\":1}", 0 },
	{ "y_object_ws", "{ \"a\" : 1 , \"b\" : [ ] }", 0 },
	{ "y_object_empty_key", "{\"\":0}", 0 },
	{ "y_object_same_key_nested", "{\"a\":{\"a\":{\"a\":1}}}", 0 },
	{ "y_object_case_keys", "{\"a\":1,\"A\":2}", 0 },
	{ "y_object_nul_key_distinct", "{\"a\\u0000\":1,\"a\":2}", 0 },
	{ "y_object_in_array_same_keys", "[{\"a\":1},{\"a\":2}]", 0 },
	{ "y_escapes", "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", 0 },
	{ "y_u_escape", "\"\\u0041\"", 0 },
	{ "y_u_escape_latin", "\"\\u00e9\\u00E9\"", 0 },
	{ "y_u_escape_nul", "\"a\\u0000b\"", 0 },
	{ "y_u_escape_ffff", "\"\\uFFFF\"", 0 },
	{ "y_surrogate_pair", "\"\\uD83D\\uDE00\"", 0 },
	{ "y_surrogate_pair_lower", "\"\\ud83d\\ude00\"", 0 },
	{ "y_surrogate_max", "\"\\uDBFF\\uDFFF\"", 0 },
	{ "y_utf8_2", "\"\xc3\xa9\"", 0 },
	{ "y_utf8_3", "\"\xe2\x82\xac\"", 0 },
	{ "y_utf8_4", "\"\xf0\x9f\x98\x80\"", 0 },
	{ "y_utf8_d7ff", "\"\xed\x9f\xbf\"", 0 },
	{ "y_utf8_e000", "\"\xee\x80\x80\"", 0 },
	{ "y_utf8_fffe", "\"\xef\xbf\xbe\"", 0 },
	{ "y_utf8_10ffff", "\"\xf4\x8f\xbf\xbf\"", 0 },
	{ "y_utf8_u2028", "\"\xe2\x80\xa8\xe2\x80\xa9\"", 0 },
	{ "y_del_raw", "\"\x7f\"", 0 },
	{ "y_slash_raw", "\"/\"", 0 },
	{ "y_manifest",
	  "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker."
	  "distribution.manifest.v2+json\",\"config\":{\"mediaType\":"
	  "\"application/vnd.docker.container.image.v1+json\",\"size\":"
	  "1469,\"digest\":\"sha256:0000\"},\"layers\":[{\"mediaType\":"
	  "\"application/vnd.docker.image.rootfs.diff.tar.gzip\",\"size\":"
	  "3370706,\"digest\":\"sha256:1111\"}]}", 0 },
};

static const struct doc_case no[] = {
	{ "n_empty", "", 0 },
	{ "n_only_ws", " \n\t ", 0 },
	{ "n_bom", "\xef\xbb\xbf{}", 0 },
	{ "n_bom_only", "\xef\xbb\xbf", 0 },
	{ "n_array_trailing_comma", "[1,]", 0 },
	{ "n_object_trailing_comma", "{\"a\":1,}", 0 },
	{ "n_array_leading_comma", "[,1]", 0 },
	{ "n_array_double_comma", "[1,,2]", 0 },
	{ "n_object_comma_only", "{,}", 0 },
	{ "n_array_comma_only", "[,]", 0 },
	{ "n_comment_line", "[1]//c", 0 },
	{ "n_comment_block_before", "/*c*/[1]", 0 },
	{ "n_comment_block_inside", "[1/*c*/]", 0 },
	{ "n_comment_hash", "#x\n1", 0 },
	{ "n_leading_zero", "01", 0 },
	{ "n_leading_zero_neg", "-01", 0 },
	{ "n_double_zero", "00", 0 },
	{ "n_leading_zero_in_array", "[012]", 0 },
	{ "n_plus", "+1", 0 },
	{ "n_dot_end", "1.", 0 },
	{ "n_dot_start", ".5", 0 },
	{ "n_minus_only", "-", 0 },
	{ "n_minus_space", "- 1", 0 },
	{ "n_minus_dot", "-.5", 0 },
	{ "n_exp_empty", "1e", 0 },
	{ "n_exp_sign_only", "1e+", 0 },
	{ "n_dot_exp", "1.e5", 0 },
	{ "n_hex", "0x10", 0 },
	{ "n_two_dots", "1.5.3", 0 },
	{ "n_underscore", "1_000", 0 },
	{ "n_nan", "NaN", 0 },
	{ "n_infinity", "Infinity", 0 },
	{ "n_neg_infinity", "-Infinity", 0 },
	{ "n_fullwidth_digit", "\xef\xbc\x90", 0 },
	{ "n_two_values", "1 2", 0 },
	{ "n_literal_short", "tru", 0 },
	{ "n_literal_case", "True", 0 },
	{ "n_literal_null_short", "nul", 0 },
	{ "n_literal_long", "nulll", 0 },
	{ "n_literal_suffix", "falsey", 0 },
	{ "n_single_quotes", "'a'", 0 },
	{ "n_single_quote_key", "{'a':1}", 0 },
	{ "n_unterminated", "\"abc", 0 },
	{ "n_unterminated_escape", "\"\\", 0 },
	{ "n_unterminated_after_escape", "\"\\\"", 0 },
	{ "n_escape_x", "\"\\x41\"", 0 },
	{ "n_escape_upper_u", "\"\\U0041\"", 0 },
	{ "n_escape_apostrophe", "\"\\'\"", 0 },
	{ "n_escape_zero", "\"\\0\"", 0 },
	{ "n_escape_bad_hex", "\"\\u00G0\"", 0 },
	{ "n_escape_short_hex", "\"\\u12\"", 0 },
	{ "n_escape_short_eof", "\"\\u1", 0 },
	{ "n_raw_ctrl_01", "\"\x01\"", 0 },
	{ "n_raw_newline", "\"a\nb\"", 0 },
	{ "n_raw_tab", "\"\t\"", 0 },
	{ "n_raw_1f", "\"\x1f\"", 0 },
	{ "n_raw_nul", "\"\0\"", 3 },
	{ "n_lone_high", "\"\\uD800\"", 0 },
	{ "n_lone_low", "\"\\uDC00\"", 0 },
	{ "n_high_then_char", "\"\\uD800x\"", 0 },
	{ "n_high_then_bmp", "\"\\uD800\\u0041\"", 0 },
	{ "n_high_then_high", "\"\\uD800\\uD800\"", 0 },
	{ "n_high_then_bad_hex", "\"\\uD800\\uZZZZ\"", 0 },
	{ "n_high_then_other_escape", "\"\\uD800\\n\"", 0 },
	{ "n_high_at_eof", "\"\\uDBFF", 0 },
	{ "n_pair_reversed", "\"\\uDE00\\uD83D\"", 0 },
	{ "n_utf8_continuation", "\"\x80\"", 0 },
	{ "n_utf8_continuation_bf", "\"\xbf\"", 0 },
	{ "n_utf8_overlong_nul", "\"\xc0\x80\"", 0 },
	{ "n_utf8_overlong_c1", "\"\xc1\xbf\"", 0 },
	{ "n_utf8_overlong_3", "\"\xe0\x80\xaf\"", 0 },
	{ "n_utf8_overlong_3_max", "\"\xe0\x9f\xbf\"", 0 },
	{ "n_utf8_overlong_4", "\"\xf0\x80\x80\xaf\"", 0 },
	{ "n_utf8_overlong_4_max", "\"\xf0\x8f\xbf\xbf\"", 0 },
	{ "n_utf8_surrogate_d800", "\"\xed\xa0\x80\"", 0 },
	{ "n_utf8_surrogate_dfff", "\"\xed\xbf\xbf\"", 0 },
	{ "n_utf8_surrogate_pair", "\"\xed\xa0\xbd\xed\xb8\x80\"", 0 },
	{ "n_utf8_above_max", "\"\xf4\x90\x80\x80\"", 0 },
	{ "n_utf8_f5", "\"\xf5\x80\x80\x80\"", 0 },
	{ "n_utf8_fe", "\"\xfe\"", 0 },
	{ "n_utf8_ff", "\"\xff\"", 0 },
	{ "n_utf8_truncated_2", "\"\xc3\"", 0 },
	{ "n_utf8_truncated_3", "\"\xe2\x82\"", 0 },
	{ "n_utf8_truncated_4", "\"\xf0\x9f\x98\"", 0 },
	{ "n_utf8_truncated_eof", "\"\xf0\x9f", 0 },
	{ "n_utf8_bad_continuation", "\"\xc3\x28\"", 0 },
	{ "n_utf8_bad_third", "\"\xe2\x82\x28\"", 0 },
	{ "n_utf8_bad_fourth", "\"\xf0\x9f\x98\x28\"", 0 },
	{ "n_utf8_outside_string", "\xc3\xa9", 0 },
	{ "n_nbsp_not_ws", "[\xc2\xa0]", 0 },
	{ "n_vertical_tab_ws", "\v1", 0 },
	{ "n_form_feed_ws", "\f1", 0 },
	{ "n_nul_after_value", "1\0", 2 },
	{ "n_nul_only", "\0", 1 },
	{ "n_nul_in_array", "[1\0]", 4 },
	{ "n_open_array", "[", 0 },
	{ "n_close_array", "]", 0 },
	{ "n_open_object", "{", 0 },
	{ "n_close_object", "}", 0 },
	{ "n_array_unclosed", "[1", 0 },
	{ "n_array_unclosed_comma", "[1,", 0 },
	{ "n_object_key_only", "{\"a\"", 0 },
	{ "n_object_colon_eof", "{\"a\":", 0 },
	{ "n_object_unclosed", "{\"a\":1", 0 },
	{ "n_object_bare_key", "{a:1}", 0 },
	{ "n_object_number_key", "{1:2}", 0 },
	{ "n_object_null_key", "{null:2}", 0 },
	{ "n_object_missing_colon", "{\"a\" 1}", 0 },
	{ "n_object_double_colon", "{\"a\"::1}", 0 },
	{ "n_object_missing_comma", "{\"a\":1 \"b\":2}", 0 },
	{ "n_object_comma_for_colon", "{\"a\",1}", 0 },
	{ "n_object_missing_value", "{\"a\":}", 0 },
	{ "n_array_missing_comma", "[1 2]", 0 },
	{ "n_array_colon", "[\"a\":1]", 0 },
	{ "n_array_mismatch", "[1}", 0 },
	{ "n_object_mismatch", "{\"a\":1]", 0 },
	{ "n_extra_close", "[1]]", 0 },
	{ "n_trailing_garbage", "[1]x", 0 },
	{ "n_two_objects", "{}{}", 0 },
	{ "n_two_arrays", "[][]", 0 },
	{ "n_two_strings", "\"a\"\"b\"", 0 },
	{ "n_dup_key", "{\"a\":1,\"a\":2}", 0 },
	{ "n_dup_key_same_value", "{\"a\":1,\"a\":1}", 0 },
	{ "n_dup_key_later", "{\"a\":1,\"b\":2,\"a\":3}", 0 },
	{ "n_dup_key_escaped", "{\"a\":1,\"\\u0061\":2}", 0 },
	{ "n_dup_key_nul", "{\"a\\u0000\":1,\"a\\u0000\":2}", 0 },
	{ "n_dup_key_nested", "{\"x\":{\"k\":1,\"k\":1}}", 0 },
	{ "n_dup_key_empty", "{\"\":1,\"\":2}", 0 },
};

/* Deep structural equality; numbers compare by their text. */
static int
equal(const struct json_value *a, const struct json_value *b)
{
	const char *sa, *sb;
	size_t la, lb, i;

	if (json_type(a) != json_type(b))
		return 0;
	switch (json_type(a)) {
	case JSON_NONE:
	case JSON_NULL:
		return 1;
	case JSON_BOOL:
		return json_bool(a) == json_bool(b);
	case JSON_NUMBER:
		return strcmp(json_num_text(a), json_num_text(b)) == 0;
	case JSON_STRING:
		sa = json_strn(a, &la);
		sb = json_strn(b, &lb);
		return la == lb && memcmp(sa, sb, la) == 0;
	case JSON_ARRAY:
		if (json_len(a) != json_len(b))
			return 0;
		for (i = 0; i < json_len(a); i++)
			if (!equal(json_at(a, i), json_at(b, i)))
				return 0;
		return 1;
	case JSON_OBJECT:
		if (json_len(a) != json_len(b))
			return 0;
		for (i = 0; i < json_len(a); i++)
			if (!equal(json_key_at(a, i), json_key_at(b, i)) ||
			    !equal(json_val_at(a, i), json_val_at(b, i)))
				return 0;
		return 1;
	}
	return 0;
}

static size_t
case_len(const struct doc_case *c)
{
	return c->len ? c->len : strlen(c->doc);
}

/* Parse NUL-terminated s with default limits. */
static struct json_value *
parse(const char *s, struct err *e)
{
	return json_parse(s, strlen(s), NULL, e);
}

/* Write v and return the text (caller frees), or NULL. */
static char *
write_value(const struct json_value *v, int pretty, size_t *len)
{
	struct json_writer w;
	struct err e = ERR_INIT;
	char *out;

	json_writer_init(&w, pretty);
	json_writer_value(&w, v);
	out = json_writer_finish(&w, len, &e);
	json_writer_free(&w);
	return out;
}

/* Parse, write compact and pretty, reparse: both must equal the first. */
static int
round_trip(const char *doc, size_t len)
{
	struct err e = ERR_INIT;
	struct json_value *a, *b = NULL, *c = NULL;
	char *s1 = NULL, *s2 = NULL;
	size_t n1, n2;
	int ok = 0;

	a = json_parse(doc, len, NULL, &e);
	if (!a)
		goto out;
	s1 = write_value(a, 0, &n1);
	s2 = write_value(a, 1, &n2);
	if (!s1 || !s2)
		goto out;
	b = json_parse(s1, n1, NULL, &e);
	c = json_parse(s2, n2, NULL, &e);
	ok = b && c && equal(a, b) && equal(a, c);
out:
	json_free(a);
	json_free(b);
	json_free(c);
	free(s1);
	free(s2);
	return ok;
}

/* n nested arrays: "[[[...]]]". Caller frees. */
static char *
nested(size_t n, int objects)
{
	char *s = malloc(n * 6 + 2), *p = s;
	size_t i;

	if (!s)
		abort();
	for (i = 0; i < n; i++) {
		if (objects) {
			memcpy(p, "{\"a\":", 5);
			p += 5;
		} else {
			*p++ = '[';
		}
	}
	if (objects)
		*p++ = '1';
	for (i = 0; i < n; i++)
		*p++ = objects ? '}' : ']';
	*p = '\0';
	return s;
}

static int
parses(const char *s, const struct json_limits *lim, struct err *e)
{
	struct json_value *v = json_parse(s, strlen(s), lim, e);

	json_free(v);
	return v != NULL;
}

static void
test_accept_reject(void)
{
	struct err e = ERR_INIT;
	struct json_value *v;
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		err_clear(&e);
		v = json_parse(yes[i].doc, case_len(&yes[i]), NULL, &e);
		CHECK(v != NULL, "accept %s%s%s", yes[i].name,
			v ? "" : ": ", v ? "" : e.msg);
		json_free(v);
	}
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		err_clear(&e);
		v = json_parse(no[i].doc, case_len(&no[i]), NULL, &e);
		CHECK(!v && e.code == ERR_PARSE &&
			strncmp(e.msg, "json: line ", 11) == 0,
			"reject %s (%s)", no[i].name, e.msg);
		json_free(v);
	}
}

static void
check_msg(const char *doc, size_t len, const char *want)
{
	struct err e = ERR_INIT;
	struct json_value *v = json_parse(doc, len, NULL, &e);

	CHECK(!v && strcmp(e.msg, want) == 0, "message \"%s\" (got \"%s\")",
		want, e.msg);
	json_free(v);
}

static void
test_messages(void)
{
	check_msg("{\"a\" 1}", 7,
		"json: line 1 column 6: expected ':' after object key");
	check_msg("[\n  1,\n  2 x]", 13,
		"json: line 3 column 5: "
		"expected ',' or ']' after array element");
	check_msg("\"abc", 4, "json: line 1 column 5: unexpected end of input");
	check_msg("", 0, "json: line 1 column 1: unexpected end of input");
	check_msg("{\n\"a\":1,\n\"a\":2}", 15,
		"json: line 3 column 1: duplicate object key");
	check_msg("\xef\xbb\xbf[]", 5,
		"json: line 1 column 1: byte order mark not allowed");
	check_msg("[01]", 4, "json: line 1 column 2: leading zero in number");
	check_msg("\"\\uD800\"", 8,
		"json: line 1 column 2: unpaired high surrogate escape");
	check_msg("[\"a\xff\"]", 5,
		"json: line 1 column 4: invalid utf-8 in string");
	check_msg("{\"a\":1,}", 8,
		"json: line 1 column 8: expected string as object key");
	check_msg("[1] 2", 5,
		"json: line 1 column 5: unexpected data after value");

}

static void
test_big_objects(void)
{
	struct err e = ERR_INIT;
	struct json_value *v;
	char big[512], *p = big;
	char want[128];
	int i, col;

	p += sprintf(p, "{");
	for (i = 0; i < 40; i++)
		p += sprintf(p, "%s\"k%d\":%d", i ? "," : "", i, i);
	sprintf(p, "}");
	v = parse(big, &e);
	CHECK(v && json_len(v) == 40, "40 distinct keys accepted");
	CHECK(v && json_get(v, "k39") && strcmp(json_num_text(
		json_get(v, "k39")), "39") == 0, "40 keys: lookup last");
	json_free(v);

	/* k7 again as member 20 and k3 again as member 25 */
	p = big;
	p += sprintf(p, "{");
	for (i = 0; i < 30; i++)
		p += sprintf(p, "%s\"k%d\":%d", i ? "," : "",
			i == 25 ? 3 : i == 20 ? 7 : i, i);
	sprintf(p, "}");
	col = (int)(strstr(big, "\"k7\":20") - big) + 1;
	snprintf(want, sizeof(want),
		"json: line 1 column %d: duplicate object key", col);
	v = parse(big, &e);
	CHECK(!v && e.code == ERR_PARSE && strcmp(e.msg, want) == 0,
		"30 keys with two repeats: first repeat reported (%s)", e.msg);
	json_free(v);
}

static void
test_limits(void)
{
	struct err e = ERR_INIT;
	struct json_limits lim;
	struct json_value *v;
	const struct json_value *c;
	char *s;
	size_t n, i;

	s = nested(JSON_DEFAULT_MAX_DEPTH, 0);
	CHECK(parses(s, NULL, &e), "depth 128 arrays accepted");
	free(s);
	s = nested(JSON_DEFAULT_MAX_DEPTH + 1, 0);
	CHECK(!parses(s, NULL, &e) && e.code == ERR_LIMIT,
		"depth 129 arrays refused (%s)", e.msg);
	free(s);
	s = nested(JSON_DEFAULT_MAX_DEPTH, 1);
	CHECK(parses(s, NULL, &e), "depth 128 objects accepted");
	free(s);
	s = nested(JSON_DEFAULT_MAX_DEPTH + 1, 1);
	CHECK(!parses(s, NULL, &e) && e.code == ERR_LIMIT &&
		strstr(e.msg, "nesting deeper than 128"),
		"depth 129 objects refused (%s)", e.msg);
	free(s);
	s = nested(1000000, 0);
	CHECK(!parses(s, NULL, &e) && e.code == ERR_LIMIT,
		"depth 1000000 refused without stack overflow");
	free(s);

	memset(&lim, 0, sizeof(lim));
	lim.max_depth = 3;
	CHECK(parses("[[[]]]", &lim, &e), "max_depth 3: depth 3 ok");
	CHECK(!parses("[[[[]]]]", &lim, &e) && e.code == ERR_LIMIT,
		"max_depth 3: depth 4 refused");
	CHECK(parses("[[1],[2],{\"a\":[3]}]", &lim, &e),
		"max_depth 3: siblings do not add up");
	lim.max_depth = 1;
	CHECK(parses("7", &lim, &e), "max_depth 1: scalar is depth 0");

	/* the parser is iterative: a huge explicit limit works */
	lim.max_depth = 200000;
	s = nested(200000, 0);
	v = json_parse(s, strlen(s), &lim, &e);
	CHECK(v != NULL, "depth 200000 with explicit limit parses");
	n = 0;
	for (c = v; json_len(c); c = json_at(c, 0))
		n++;
	CHECK(n == 199999, "depth 200000 tree walks %zu levels", n);
	{
		struct json_writer w;
		char *out;

		json_writer_init(&w, 0);
		json_writer_value(&w, v);
		err_clear(&e);
		out = json_writer_finish(&w, NULL, &e);
		CHECK(!out && e.code == ERR_LIMIT,
			"writer refuses depth 200000 (%s)", e.msg);
		json_writer_free(&w);
	}
	json_free(v);
	free(s);

	memset(&lim, 0, sizeof(lim));
	lim.max_size = 10;
	CHECK(parses("[1,2,3,45]", &lim, &e), "max_size 10: 10 bytes ok");
	CHECK(!parses("[1,2,3,456]", &lim, &e) && e.code == ERR_LIMIT &&
		strcmp(e.msg, "json: document larger than 10 bytes") == 0,
		"max_size 10: 11 bytes refused (%s)", e.msg);

	n = JSON_DEFAULT_MAX_SIZE;
	s = malloc(n + 2);
	if (!s)
		abort();
	memset(s, 'a', n + 1);
	s[0] = '"';
	s[n - 1] = '"';
	v = json_parse(s, n, NULL, &e);
	CHECK(v && json_str_len(v) == n - 2, "4 MiB string document accepted");
	json_free(v);
	s[n - 1] = ' ';
	s[n] = '"';
	v = json_parse(s, n + 1, NULL, &e);
	CHECK(!v && e.code == ERR_LIMIT, "4 MiB + 1 refused by default");
	json_free(v);
	free(s);

	memset(&lim, 0, sizeof(lim));
	lim.max_nodes = 3;
	CHECK(parses("[1,2]", &lim, &e), "max_nodes 3: array of 2 ok");
	CHECK(parses("{\"a\":1}", &lim, &e), "max_nodes 3: object of 1 ok");
	CHECK(!parses("[1,2,3]", &lim, &e) && e.code == ERR_LIMIT,
		"max_nodes 3: array of 3 refused");
	CHECK(!parses("{\"a\":1,\"b\":2}", &lim, &e) && e.code == ERR_LIMIT,
		"max_nodes 3: keys count");

	/* default node budget: 2^20 nodes */
	n = JSON_DEFAULT_MAX_NODES;
	s = malloc(2 * n + 2);
	if (!s)
		abort();
	s[0] = '[';
	for (i = 0; i < n - 1; i++) {
		s[1 + 2 * i] = '0';
		s[2 + 2 * i] = ',';
	}
	s[2 * (n - 1)] = ']';
	v = json_parse(s, 2 * (n - 1) + 1, NULL, &e);
	CHECK(v && json_len(v) == n - 1, "2^20 - 1 elements + array ok (%s)",
		v ? "" : e.msg);
	CHECK(v && strcmp(json_num_text(json_at(v, n - 2)), "0") == 0,
		"last of 2^20 - 1 elements readable");
	json_free(v);
	s[2 * (n - 1)] = ',';
	s[2 * n - 1] = '0';
	s[2 * n] = ']';
	v = json_parse(s, 2 * n + 1, NULL, &e);
	CHECK(!v && e.code == ERR_LIMIT, "2^20 elements + array refused");
	json_free(v);
	free(s);
}

static void
test_numbers(void)
{
	static const struct {
		const char *doc;
		int ok;
		int64_t want;
	} ints[] = {
		{ "0", 1, 0 },
		{ "-0", 1, 0 },
		{ "42", 1, 42 },
		{ "-42", 1, -42 },
		{ "9223372036854775807", 1, INT64_MAX },
		{ "-9223372036854775808", 1, INT64_MIN },
		{ "9223372036854775808", 0, 0 },
		{ "-9223372036854775809", 0, 0 },
		{ "18446744073709551616", 0, 0 },
		{ "123456789012345678901234567890", 0, 0 },
		{ "1.0", 0, 0 },
		{ "1e2", 0, 0 },
		{ "-0.0", 0, 0 },
	};
	struct err e = ERR_INIT;
	struct json_value *v;
	int64_t n;
	double d;
	size_t i;
	int r;

	for (i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		v = parse(ints[i].doc, &e);
		n = 12345;
		err_clear(&e);
		r = json_int(v, &n, &e);
		if (ints[i].ok)
			CHECK(v && r == 0 && n == ints[i].want,
				"json_int %s", ints[i].doc);
		else
			CHECK(v && r < 0 && n == 12345 && e.code != 0,
				"json_int %s refused (%s)", ints[i].doc, e.msg);
		json_free(v);
	}
	v = parse("9223372036854775808", &e);
	json_int(v, &n, &e);
	CHECK(e.code == ERR_LIMIT, "json_int overflow is ERR_LIMIT");
	CHECK(v && strcmp(json_num_text(v), "9223372036854775808") == 0,
		"big int kept as text");
	CHECK(v && json_double(v, &d, &e) == 0 && d == 9223372036854775808.0,
		"big int as double");
	json_free(v);
	v = parse("1.5", &e);
	json_int(v, &n, &e);
	CHECK(e.code == ERR_PARSE, "json_int fraction is ERR_PARSE");
	json_free(v);

	v = parse("[1.5,-2.5e-3,1e400,1e-400,0.1,\"1\",-1e400]", &e);
	CHECK(json_double(json_at(v, 0), &d, &e) == 0 && d == 1.5,
		"json_double 1.5");
	CHECK(json_double(json_at(v, 1), &d, &e) == 0 && d == -2.5e-3,
		"json_double -2.5e-3");
	err_clear(&e);
	CHECK(json_double(json_at(v, 2), &d, &e) < 0 && e.code == ERR_LIMIT,
		"json_double 1e400 out of range");
	CHECK(json_double(json_at(v, 3), &d, &e) == 0 && d == 0.0,
		"json_double 1e-400 underflows to 0");
	CHECK(json_double(json_at(v, 4), &d, &e) == 0 && d == 0.1,
		"json_double 0.1 exact nearest");
	CHECK(json_double(json_at(v, 5), &d, &e) < 0 &&
		json_int(json_at(v, 5), &n, &e) < 0, "string is not a number");
	CHECK(json_double(json_at(v, 6), &d, &e) < 0, "json_double -1e400");
	CHECK(json_double(NULL, &d, &e) < 0 && json_int(NULL, &n, &e) < 0,
		"number conversions refuse NULL");
	json_free(v);
}

static const char index_doc[] =
	"{\"schemaVersion\":2,"
	"\"manifests\":["
	"{\"digest\":\"sha256:aa\",\"size\":7,"
	"\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}},"
	"{\"digest\":\"sha256:bb\",\"size\":8,"
	"\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\","
	"\"variant\":\"v8\"}}],"
	"\"annotations\":{\"org.opencontainers.image.created\":\"2024\","
	"\"\":\"empty\"},"
	"\"flags\":[true,false,null],"
	"\"nul\":\"a\\u0000b\"}";

static void
test_lookup(void)
{
	struct err e = ERR_INIT;
	struct json_value *r;
	const struct json_value *m, *a;
	const char *s;
	size_t n;
	int64_t i64;

	r = parse(index_doc, &e);
	CHECK(r != NULL, "index parses (%s)", r ? "" : e.msg);
	if (!r)
		return;
	CHECK(json_type(r) == JSON_OBJECT && json_len(r) == 5,
		"root is object of 5");
	CHECK(json_get(r, "") == r, "empty path is root");
	CHECK(json_get(NULL, "a") == NULL && json_get(r, NULL) == NULL,
		"json_get NULL arguments");
	CHECK(json_int(json_get(r, "schemaVersion"), &i64, &e) == 0 &&
		i64 == 2, "schemaVersion 2");
	m = json_get(r, "manifests");
	CHECK(json_type(m) == JSON_ARRAY && json_len(m) == 2, "manifests");
	s = json_str(json_get(r, "manifests.1.platform.variant"));
	CHECK(s && strcmp(s, "v8") == 0, "manifests.1.platform.variant");
	s = json_str(json_get(r, "manifests.0.digest"));
	CHECK(s && strcmp(s, "sha256:aa") == 0, "manifests.0.digest");
	CHECK(json_get(r, "manifests.0.platform.variant") == NULL,
		"absent key in path");
	CHECK(json_get(r, "manifests.2.digest") == NULL, "index past end");
	CHECK(json_get(r, "manifests.01") == NULL, "index with leading zero");
	CHECK(json_get(r, "manifests.-1") == NULL, "negative index");
	CHECK(json_get(r, "manifests.+1") == NULL, "index with plus");
	CHECK(json_get(r, "manifests.x") == NULL, "key on array");
	CHECK(json_get(r, "manifests.") == NULL, "empty index");
	CHECK(json_get(r, "manifests.99999999999999999999999999") == NULL,
		"overflowing index");
	CHECK(json_get(r, "schemaVersion.x") == NULL, "path through number");
	CHECK(json_get(r, "manifests.0.digest.x") == NULL,
		"path through string");
	CHECK(json_get(r, "nope") == NULL, "missing top key");
	CHECK(json_get(r, "annotations.org.opencontainers.image.created") ==
		NULL, "dotted key not reachable by path");
	a = json_get(r, "annotations");
	s = json_str(json_obj_get(a, "org.opencontainers.image.created"));
	CHECK(s && strcmp(s, "2024") == 0, "json_obj_get dotted key");
	s = json_str(json_get(r, "annotations."));
	CHECK(s && strcmp(s, "empty") == 0, "empty segment is key \"\"");
	CHECK(json_obj_get(a, "missing") == NULL, "json_obj_get missing");
	CHECK(json_obj_get(m, "0") == NULL, "json_obj_get on array");
	CHECK(json_obj_get(NULL, "a") == NULL && json_obj_get(a, NULL) == NULL,
		"json_obj_get NULL arguments");
	CHECK(json_get(r, "manifests.0") == json_at(m, 0), "path index");

	CHECK(json_at(m, 2) == NULL && json_at(a, 0) == NULL &&
		json_at(NULL, 0) == NULL, "json_at bounds and type");
	s = json_str(json_key_at(r, 0));
	CHECK(s && strcmp(s, "schemaVersion") == 0, "key order: first");
	s = json_str(json_key_at(r, 4));
	CHECK(s && strcmp(s, "nul") == 0, "key order: last");
	CHECK(json_key_at(r, 5) == NULL && json_val_at(r, 5) == NULL &&
		json_key_at(m, 0) == NULL && json_val_at(NULL, 0) == NULL,
		"key_at/val_at bounds and type");
	CHECK(json_val_at(r, 1) == m, "json_val_at matches json_get");

	CHECK(json_type(NULL) == JSON_NONE, "json_type NULL");
	CHECK(json_type(json_get(r, "flags.0")) == JSON_BOOL &&
		json_bool(json_get(r, "flags.0")) == 1, "true");
	CHECK(json_type(json_get(r, "flags.1")) == JSON_BOOL &&
		json_bool(json_get(r, "flags.1")) == 0, "false");
	CHECK(json_bool(json_get(r, "flags.2")) == 0 &&
		json_bool(NULL) == 0, "json_bool of null and NULL");
	CHECK(json_is_null(json_get(r, "flags.2")) &&
		json_type(json_get(r, "flags.2")) == JSON_NULL, "null");
	CHECK(!json_is_null(NULL) && !json_is_null(json_get(r, "flags.0")),
		"json_is_null of absent and of true");
	CHECK(json_len(json_get(r, "flags")) == 3 &&
		json_len(json_get(r, "schemaVersion")) == 0 &&
		json_len(NULL) == 0, "json_len");
	CHECK(json_str(json_get(r, "schemaVersion")) == NULL &&
		json_str(NULL) == NULL, "json_str of non-string");
	CHECK(json_num_text(json_get(r, "manifests.0.digest")) == NULL &&
		strcmp(json_num_text(json_get(r, "manifests.1.size")),
		"8") == 0,
		"json_num_text");
	CHECK(json_str_len(json_get(r, "manifests.0.digest")) == 9 &&
		json_str_len(m) == 0, "json_str_len");

	a = json_get(r, "nul");
	CHECK(json_str(a) == NULL, "json_str refuses embedded NUL");
	s = json_strn(a, &n);
	CHECK(s && n == 3 && memcmp(s, "a\0b", 4) == 0,
		"json_strn gives embedded NUL and terminator");
	CHECK(json_str_len(a) == 3, "json_str_len counts NUL");
	n = 99;
	CHECK(json_strn(m, &n) == NULL && n == 0 &&
		json_strn(a, NULL) != NULL, "json_strn on non-string");
	json_free(r);

	r = parse("{\"z\":1,\"a\":2,\"m\":3}", &e);
	CHECK(r && strcmp(json_str(json_key_at(r, 0)), "z") == 0 &&
		strcmp(json_str(json_key_at(r, 1)), "a") == 0 &&
		strcmp(json_str(json_key_at(r, 2)), "m") == 0,
		"object keeps key order");
	json_free(r);

	r = parse("[[\"x\",[\"y\"]]]", &e);
	s = json_str(json_get(r, "0.1.0"));
	CHECK(s && strcmp(s, "y") == 0, "path through nested arrays");
	json_free(r);

	r = parse("{\"s\":\"\\u00e9\\ud83d\\ude00\\n\\/\"}", &e);
	s = json_str(json_get(r, "s"));
	CHECK(s && strcmp(s, "\xc3\xa9\xf0\x9f\x98\x80\n/") == 0,
		"escapes decode to UTF-8");
	json_free(r);

	json_free(NULL);
	CHECK(1, "json_free(NULL) is a no-op");
}

/* Finish w and compare with want; free everything. */
static void
check_out(struct json_writer *w, const char *want, size_t want_len,
	const char *name)
{
	struct err e = ERR_INIT;
	char *out;
	size_t len = 0;

	out = json_writer_finish(w, &len, &e);
	CHECK(out && len == want_len && memcmp(out, want, len) == 0 &&
		out[len] == '\0', "writer %s%s%s", name, out ? "" : ": ",
		out ? "" : e.msg);
	CHECK(w->buf == NULL, "writer %s: finish hands the buffer over", name);
	free(out);
	json_writer_free(w);
}

static void
writer_refuses(struct json_writer *w, int code, const char *name)
{
	struct err e = ERR_INIT;
	char *out;

	out = json_writer_finish(w, NULL, &e);
	CHECK(!out && e.code == code &&
		strncmp(e.msg, "json writer: ", 13) == 0,
		"writer refuses %s (%s)", name, e.msg);
	free(out);
	json_writer_free(w);
}

static void
test_writer(void)
{
	static const char pretty[] =
		"{\n\t\"a\": 1,\n\t\"b\": [\n\t\t1,\n\t\t\"x\"\n\t],\n"
		"\t\"c\": {},\n\t\"d\": [],\n"
		"\t\"e\": {\n\t\t\"f\": null\n\t}\n}";
	static const char compact[] =
		"{\"a\":1,\"b\":[1,\"x\"],\"c\":{},\"d\":[],"
		"\"e\":{\"f\":null}}";
	static const char esc_in[] =
		"\"\\\b\f\n\r\t\x01\x1f\x7f/\xc3\xa9\xe2\x80\xa8";
	static const char esc_out[] =
		"\"\\\"\\\\\\b\\f\\n\\r\\t\\u0001\\u001f\x7f/\xc3\xa9"
		"\xe2\x80\xa8\"";
	struct json_writer w;
	struct err e = ERR_INIT;
	struct json_value *v;
	char *out;
	size_t len;
	int p, i;

	for (p = 0; p < 2; p++) {
		json_writer_init(&w, p);
		json_writer_begin_object(&w);
		json_writer_key(&w, "a");
		json_writer_int(&w, 1);
		json_writer_key(&w, "b");
		json_writer_begin_array(&w);
		json_writer_uint(&w, 1);
		json_writer_string(&w, "x");
		json_writer_end_array(&w);
		json_writer_key(&w, "c");
		json_writer_begin_object(&w);
		json_writer_end_object(&w);
		json_writer_key(&w, "d");
		json_writer_begin_array(&w);
		json_writer_end_array(&w);
		json_writer_keyn(&w, "ef", 1);
		json_writer_begin_object(&w);
		json_writer_key(&w, "f");
		json_writer_null(&w);
		json_writer_end_object(&w);
		json_writer_end_object(&w);
		if (p)
			check_out(&w, pretty, sizeof(pretty) - 1, "pretty");
		else
			check_out(&w, compact, sizeof(compact) - 1, "compact");
	}

	json_writer_init(&w, 0);
	json_writer_string(&w, esc_in);
	check_out(&w, esc_out, sizeof(esc_out) - 1, "escapes");

	json_writer_init(&w, 0);
	json_writer_stringn(&w, "a\0b", 3);
	check_out(&w, "\"a\\u0000b\"", 10, "embedded NUL");

	json_writer_init(&w, 0);
	json_writer_string(&w, "a\xff" "b");
	check_out(&w, "\"a\xef\xbf\xbd" "b\"", 7, "invalid byte -> U+FFFD");
	json_writer_init(&w, 0);
	json_writer_string(&w, "\xc0\x80");
	check_out(&w, "\"\xef\xbf\xbd\xef\xbf\xbd\"", 8,
		"overlong -> 2 U+FFFD");
	json_writer_init(&w, 0);
	json_writer_string(&w, "\xe2\x82");
	check_out(&w, "\"\xef\xbf\xbd\xef\xbf\xbd\"", 8,
		"truncated -> 2 U+FFFD");
	json_writer_init(&w, 0);
	json_writer_string(&w, "\xed\xa0\x80");
	check_out(&w, "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"", 11,
		"utf-8 surrogate -> 3 U+FFFD");
	json_writer_init(&w, 0);
	json_writer_string(&w, "\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf");
	check_out(&w, "\"\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf\"", 10,
		"4-byte utf-8 passes");
	json_writer_init(&w, 0);
	json_writer_string(&w, "\xf4\x90\x80\x80");
	out = json_writer_finish(&w, &len, &e);
	CHECK(out && len == 14, "above U+10FFFF -> 4 U+FFFD");
	free(out);
	json_writer_free(&w);

	json_writer_init(&w, 0);
	json_writer_begin_object(&w);
	json_writer_keyn(&w, "k\xff\n", 3);
	json_writer_string(&w, NULL);
	json_writer_end_object(&w);
	check_out(&w, "{\"k\xef\xbf\xbd\\n\":null}", 15,
		"keys escaped, NULL string is null");

	/* replaced output is valid JSON */
	json_writer_init(&w, 0);
	json_writer_stringn(&w, "\x80\xc3\xe0\xa0\xf0\x90\x80\xff\0\x1b", 10);
	out = json_writer_finish(&w, &len, &e);
	v = out ? json_parse(out, len, NULL, &e) : NULL;
	CHECK(v && json_type(v) == JSON_STRING, "replaced output reparses");
	json_free(v);
	free(out);
	json_writer_free(&w);

	json_writer_init(&w, 0);
	json_writer_begin_array(&w);
	json_writer_int(&w, INT64_MIN);
	json_writer_int(&w, INT64_MAX);
	json_writer_uint(&w, UINT64_MAX);
	json_writer_int(&w, 0);
	json_writer_bool(&w, 1);
	json_writer_bool(&w, 0);
	json_writer_bool(&w, 7);
	json_writer_raw(&w, "{\"r\":[1]}", 9);
	json_writer_end_array(&w);
	check_out(&w, "[-9223372036854775808,9223372036854775807,"
		"18446744073709551615,0,true,false,true,{\"r\":[1]}]", 91,
		"integers, bools, raw");

	json_writer_init(&w, 0);
	json_writer_begin_array(&w);
	json_writer_double(&w, 0.1);
	json_writer_double(&w, 1.5);
	json_writer_double(&w, -0.0);
	json_writer_double(&w, 1e300);
	json_writer_double(&w, 100);
	json_writer_end_array(&w);
	check_out(&w, "[0.1,1.5,-0,1e+300,100]", 23, "doubles");

	{
		static const double ds[] = { 1.0 / 3, 2.0 / 3, 5e-324,
			1.7976931348623157e308, 123456.789, -9.87654321e-10 };
		double d;
		size_t k;
		int ok = 1;

		for (k = 0; k < sizeof(ds) / sizeof(ds[0]); k++) {
			json_writer_init(&w, 0);
			json_writer_double(&w, ds[k]);
			out = json_writer_finish(&w, &len, &e);
			v = out ? json_parse(out, len, NULL, &e) : NULL;
			if (!v || json_double(v, &d, &e) < 0 || d != ds[k])
				ok = 0;
			json_free(v);
			free(out);
			json_writer_free(&w);
		}
		CHECK(ok, "doubles read back exactly");
	}

	json_writer_init(&w, 0);
	json_writer_double(&w, NAN);
	writer_refuses(&w, ERR_GENERIC, "NaN");
	json_writer_init(&w, 0);
	json_writer_double(&w, -INFINITY);
	writer_refuses(&w, ERR_GENERIC, "-Infinity");

	json_writer_init(&w, 0);
	json_writer_begin_object(&w);
	json_writer_int(&w, 1);
	json_writer_end_object(&w);
	writer_refuses(&w, ERR_GENERIC, "value without key");

	json_writer_init(&w, 0);
	json_writer_begin_array(&w);
	json_writer_key(&w, "a");
	writer_refuses(&w, ERR_GENERIC, "key in array");

	json_writer_init(&w, 0);
	json_writer_key(&w, "a");
	writer_refuses(&w, ERR_GENERIC, "key at top level");

	json_writer_init(&w, 0);
	json_writer_begin_object(&w);
	json_writer_key(&w, "a");
	json_writer_key(&w, "b");
	writer_refuses(&w, ERR_GENERIC, "two keys in a row");

	json_writer_init(&w, 0);
	json_writer_begin_object(&w);
	json_writer_key(&w, "a");
	json_writer_end_object(&w);
	writer_refuses(&w, ERR_GENERIC, "end with key pending");

	json_writer_init(&w, 0);
	json_writer_begin_object(&w);
	json_writer_end_array(&w);
	writer_refuses(&w, ERR_GENERIC, "mismatched end");

	json_writer_init(&w, 0);
	json_writer_end_array(&w);
	writer_refuses(&w, ERR_GENERIC, "end at top level");

	json_writer_init(&w, 0);
	json_writer_int(&w, 1);
	json_writer_int(&w, 2);
	writer_refuses(&w, ERR_GENERIC, "two top-level values");

	json_writer_init(&w, 0);
	writer_refuses(&w, ERR_GENERIC, "empty document");

	json_writer_init(&w, 1);
	json_writer_begin_array(&w);
	writer_refuses(&w, ERR_GENERIC, "unclosed array");

	json_writer_init(&w, 0);
	json_writer_begin_object(&w);
	json_writer_key(&w, NULL);
	writer_refuses(&w, ERR_GENERIC, "NULL key");

	json_writer_init(&w, 0);
	json_writer_raw(&w, "", 0);
	writer_refuses(&w, ERR_GENERIC, "empty raw");

	/* sticky: the first error wins, later calls do nothing */
	json_writer_init(&w, 0);
	json_writer_begin_array(&w);
	json_writer_end_object(&w);
	len = w.len;
	json_writer_end_array(&w);
	json_writer_string(&w, "more");
	CHECK(w.len == len && w.code == ERR_GENERIC &&
		strcmp(w.why, "unexpected end of object") == 0,
		"writer error is sticky");
	writer_refuses(&w, ERR_GENERIC, "after sticky error");

	json_writer_init(&w, 0);
	for (i = 0; i < JSON_WRITER_MAX_DEPTH; i++)
		json_writer_begin_array(&w);
	for (i = 0; i < JSON_WRITER_MAX_DEPTH; i++)
		json_writer_end_array(&w);
	out = json_writer_finish(&w, &len, &e);
	CHECK(out && len == 2 * JSON_WRITER_MAX_DEPTH,
		"writer depth 1024 ok");
	free(out);
	json_writer_free(&w);
	json_writer_init(&w, 0);
	for (i = 0; i <= JSON_WRITER_MAX_DEPTH; i++)
		json_writer_begin_array(&w);
	writer_refuses(&w, ERR_LIMIT, "depth 1025");

	/* a big document forces the buffer to grow */
	json_writer_init(&w, 1);
	json_writer_begin_array(&w);
	for (i = 0; i < 10000; i++)
		json_writer_string(&w, "0123456789");
	json_writer_end_array(&w);
	out = json_writer_finish(&w, &len, &e);
	v = out ? json_parse(out, len, NULL, &e) : NULL;
	CHECK(v && json_len(v) == 10000 && strcmp(json_str(json_at(v, 9999)),
		"0123456789") == 0, "big pretty array reparses");
	json_free(v);
	free(out);
	json_writer_free(&w);

	memset(&w, 0, sizeof(w));
	json_writer_free(&w);
	json_writer_free(&w);
	CHECK(1, "json_writer_free on zeroed writer, twice");
}

static void
test_round_trip(void)
{
	static const char canon[] =
		"{\"a\":[1,2.5e3,-0,\"x\\u0000\\u001f\\n\"],\"b\":null,"
		"\"c\":{\"\":true},\"d\":123456789012345678901234567890}";
	static const char config[] =
		"{\n"
		"  \"architecture\": \"amd64\",\n"
		"  \"os\": \"linux\",\n"
		"  \"config\": {\n"
		"    \"Env\": [\"PATH=/usr/local/sbin:/usr/bin\"],\n"
		"    \"Cmd\": [\"/bin/sh\", \"-c\", \"echo \\\"hi\\\"\"],\n"
		"    \"Labels\": {\"org.example.v\": \"1.0\"},\n"
		"    \"ExposedPorts\": {\"80/tcp\": {}},\n"
		"    \"WorkingDir\": \"\"\n"
		"  },\n"
		"  \"rootfs\": {\"type\": \"layers\", \"diff_ids\": "
		"[\"sha256:ab\", \"sha256:cd\"]},\n"
		"  \"history\": [{\"created\": \"2024-01-01T00:00:00Z\", "
		"\"empty_layer\": true}]\n"
		"}\n";
	struct err e = ERR_INIT;
	struct json_value *v;
	char *out;
	size_t i, len;
	int ok = 1;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!round_trip(yes[i].doc, case_len(&yes[i]))) {
			ok = 0;
			CHECK(0, "round trip %s", yes[i].name);
		}
	CHECK(ok, "round trip all y_ cases compact and pretty");
	CHECK(round_trip(config, sizeof(config) - 1), "round trip config");
	CHECK(round_trip(index_doc, sizeof(index_doc) - 1), "round trip index");

	v = parse(canon, &e);
	out = write_value(v, 0, &len);
	CHECK(out && len == sizeof(canon) - 1 && strcmp(out, canon) == 0,
		"compact output of canonical input is identical");
	free(out);
	json_free(v);

	v = parse(config, &e);
	out = write_value(json_get(v, "config.Labels"), 1, &len);
	CHECK(out && strcmp(out, "{\n\t\"org.example.v\": \"1.0\"\n}") == 0,
		"write a subtree");
	free(out);
	json_free(v);

	out = write_value(NULL, 0, &len);
	CHECK(out && strcmp(out, "null") == 0, "json_writer_value(NULL)");
	free(out);

	/* many containers: exercises arena chunks and dedicated chunks */
	{
		struct json_writer w;
		int k;

		json_writer_init(&w, 0);
		json_writer_begin_array(&w);
		for (k = 0; k < 5000; k++) {
			json_writer_begin_object(&w);
			json_writer_key(&w, "i");
			json_writer_int(&w, k);
			json_writer_key(&w, "l");
			json_writer_begin_array(&w);
			json_writer_int(&w, -k);
			json_writer_end_array(&w);
			json_writer_end_object(&w);
		}
		json_writer_end_array(&w);
		out = json_writer_finish(&w, &len, &e);
		json_writer_free(&w);
		v = out ? json_parse(out, len, NULL, &e) : NULL;
		CHECK(v && json_len(v) == 5000, "5000 objects parse");
		CHECK(strcmp(json_num_text(json_get(v, "4321.l.0")), "-4321")
			== 0, "5000 objects: deep lookup");
		CHECK(round_trip(out, len), "5000 objects round trip");
		json_free(v);
		free(out);
	}
}

int
main(void)
{
	test_accept_reject();
	test_messages();
	test_big_objects();
	test_limits();
	test_numbers();
	test_lookup();
	test_writer();
	test_round_trip();
	return check_done();
}
