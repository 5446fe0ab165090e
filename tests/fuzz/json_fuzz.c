/* json_fuzz.c - libFuzzer target for core/json: parse, write, reparse
 *
 * For every input:
 *  - parse it; on success write it back compact and pretty, reparse both
 *    and require trees equal to the first, compact output no longer than
 *    the input, and writing the reparsed tree to give the same bytes;
 *  - every decoded string must be valid UTF-8 (checked by an independent
 *    decoder below);
 *  - write the raw input as one JSON string: the output must parse, and it
 *    must decode back to the input exactly when the input is valid UTF-8.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

/* UTF-8 check by decoding code points (unlike core/json's table). */
static int
valid_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0, k, need;
	unsigned long cp, min;
	unsigned c;

	while (i < n) {
		c = s[i++];
		if (c < 0x80)
			continue;
		if ((c & 0xE0) == 0xC0) {
			need = 1;
			cp = c & 0x1F;
			min = 0x80;
		} else if ((c & 0xF0) == 0xE0) {
			need = 2;
			cp = c & 0x0F;
			min = 0x800;
		} else if ((c & 0xF8) == 0xF0) {
			need = 3;
			cp = c & 0x07;
			min = 0x10000;
		} else {
			return 0;
		}
		if (n - i < need)
			return 0;
		for (k = 0; k < need; k++) {
			if ((s[i] & 0xC0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i++] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
	}
	return 1;
}

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

/* Check every string is valid UTF-8 and every accessor agrees. */
static void
walk(const struct json_value *v)
{
	struct err e = ERR_INIT;
	const char *s;
	size_t n, i;
	int64_t i64;
	double d;

	switch (json_type(v)) {
	case JSON_STRING:
		s = json_strn(v, &n);
		if (!s || s[n] != '\0' || n != json_str_len(v) ||
		    !valid_utf8((const unsigned char *)s, n))
			abort();
		if ((json_str(v) == NULL) != (memchr(s, '\0', n) != NULL))
			abort();
		break;
	case JSON_NUMBER:
		json_int(v, &i64, &e);
		json_double(v, &d, &e);
		break;
	case JSON_ARRAY:
		for (i = 0; i < json_len(v); i++)
			walk(json_at(v, i));
		if (json_at(v, json_len(v)) != NULL)
			abort();
		break;
	case JSON_OBJECT:
		for (i = 0; i < json_len(v); i++) {
			s = json_strn(json_key_at(v, i), &n);
			if (!s || !valid_utf8((const unsigned char *)s, n))
				abort();
			if (json_str(json_key_at(v, i)) &&
			    json_obj_get(v, s) != json_val_at(v, i))
				abort();
			walk(json_val_at(v, i));
		}
		break;
	default:
		break;
	}
}

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
	if (!out)
		abort();
	return out;
}

static void
round_trip(const uint8_t *data, size_t size)
{
	struct json_limits lim = { 1u << 30, 0, 0 };
	struct err e = ERR_INIT;
	struct json_value *a, *b, *c;
	char *s1, *s2, *s3, path[33];
	size_t n1, n2, n3;

	a = json_parse((const char *)data, size, NULL, &e);
	if (!a)
		return;
	walk(a);
	n1 = size < sizeof(path) - 1 ? size : sizeof(path) - 1;
	memcpy(path, data, n1);
	path[n1] = '\0';
	json_get(a, path);

	s1 = write_value(a, 0, &n1);
	s2 = write_value(a, 1, &n2);
	if (n1 > size)
		abort();
	b = json_parse(s1, n1, &lim, &e);
	c = json_parse(s2, n2, &lim, &e);
	if (!b || !c || !equal(a, b) || !equal(a, c))
		abort();
	s3 = write_value(c, 0, &n3);
	if (n3 != n1 || memcmp(s1, s3, n1) != 0)
		abort();
	free(s1);
	free(s2);
	free(s3);
	json_free(a);
	json_free(b);
	json_free(c);
}

static void
string_trip(const uint8_t *data, size_t size)
{
	struct json_limits lim = { 1u << 30, 0, 0 };
	struct json_writer w;
	struct err e = ERR_INIT;
	struct json_value *v;
	const char *s;
	char *out;
	size_t len, n;
	int same;

	json_writer_init(&w, 0);
	json_writer_stringn(&w, (const char *)data, size);
	out = json_writer_finish(&w, &len, &e);
	json_writer_free(&w);
	if (!out)
		abort();
	v = json_parse(out, len, &lim, &e);
	if (!v)
		abort();
	s = json_strn(v, &n);
	same = n == size && memcmp(s, data, n) == 0;
	if (same != valid_utf8(data, size))
		abort();
	json_free(v);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	round_trip(data, size);
	string_trip(data, size);
	return 0;
}
