/* envfile_test.c - --env-file parsing and -e / image Env merging */

#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "envfile.h"

static char **v;
static size_t n;

static int
parse(const char *text, struct err *e)
{
	env_free(v);
	v = NULL;
	err_clear(e);
	return envfile_parse(text, strlen(text), &v, &n, e);
}

/* The vector joined with '|'. */
static const char *
joined(char **env)
{
	static char buf[1024];
	size_t i;

	buf[0] = '\0';
	for (i = 0; env && env[i]; i++) {
		if (i)
			strcat(buf, "|");
		strcat(buf, env[i]);
	}
	return buf;
}

int
main(void)
{
	struct err e = ERR_INIT;
	char **env = NULL;
	size_t nenv = 0;
	char *image[] = { "PATH=/dup", "HOME=/root", "ROCKER_TEST_UNSET=C",
	    "PATH=/usr/bin:/bin" };
	char *files[] = { "ROCKER_TEST_UNSET=file", "FROMFILE=1" };
	char *flags[] = { "HOME=/home/me", "ROCKER_TEST_SET",
	    "ROCKER_TEST_UNSET", "NEW=" };
	char *bad[] = { "OK=1", "=oops" };

	setenv("ROCKER_TEST_SET", "from host", 1);
	unsetenv("ROCKER_TEST_UNSET");

	CHECK(parse("A=1\nB=two words \n\n# comment\n  C=x=y\nD=\n", &e) == 0
	    && n == 4 && strcmp(joined(v), "A=1|B=two words |C=x=y|D=") == 0,
	    "basic lines: %s", joined(v));
	CHECK(v[n] == NULL, "vector is NULL-terminated");
	CHECK(parse("Q=\"quoted\"\nS='single'\n", &e) == 0 &&
	    strcmp(joined(v), "Q=\"quoted\"|S='single'") == 0,
	    "values are literal, quotes kept");
	CHECK(parse("\xef\xbb\xbfK=v\r\nL=w\r\n", &e) == 0 &&
	    strcmp(joined(v), "K=v|L=w") == 0, "BOM and CRLF: %s",
	    joined(v));
	CHECK(parse("K=v\xef\xbb\xbf", &e) == 0 &&
	    strcmp(joined(v), "K=v\xef\xbb\xbf") == 0,
	    "BOM only skipped at the start");
	CHECK(parse("ROCKER_TEST_SET\nROCKER_TEST_UNSET\n", &e) == 0 &&
	    strcmp(joined(v), "ROCKER_TEST_SET=from host") == 0,
	    "KEY alone: from the environment or dropped: %s", joined(v));
	CHECK(parse("\t  # indented comment\n   \nLAST=1", &e) == 0 &&
	    strcmp(joined(v), "LAST=1") == 0, "indented comment, no final LF");
	CHECK(parse("", &e) == 0 && n == 0 && v && !v[0], "empty file");
	CHECK(parse("  LEAD=1", &e) == 0 && strcmp(joined(v), "LEAD=1") == 0,
	    "leading whitespace trimmed from the key");
	CHECK(parse("A=1\nX Y=2\n", &e) < 0 && !v && n == 0 &&
	    strstr(e.msg, "variable 'X Y' contains whitespaces") &&
	    strstr(e.msg, "line 2"), "whitespace in name: %s", e.msg);
	CHECK(parse("KEY \n", &e) < 0 &&
	    strstr(e.msg, "variable 'KEY ' contains whitespaces"),
	    "trailing whitespace on a bare name: %s", e.msg);
	CHECK(parse("=value\n", &e) < 0 &&
	    strstr(e.msg, "no variable name on line '=value'"),
	    "empty name: %s", e.msg);
	CHECK(parse("A=\xff\n", &e) < 0 && strstr(e.msg, "invalid utf8") &&
	    strstr(e.msg, "line 1"), "invalid UTF-8: %s", e.msg);
	CHECK(envfile_parse("A=1\0B", 5, &v, &n, &e) < 0 &&
	    strstr(e.msg, "NUL"), "NUL byte: %s", e.msg);

	CHECK(env_lookup_merge(&env, &nenv, image, 4, &e) == 0 &&
	    strcmp(joined(env), "PATH=/usr/bin:/bin|HOME=/root|"
	    "ROCKER_TEST_UNSET=C") == 0
	    && nenv == 3, "merge into empty, duplicate replaces: %s",
	    joined(env));
	CHECK(env_lookup_merge(&env, &nenv, files, 2, &e) == 0 &&
	    strcmp(joined(env), "PATH=/usr/bin:/bin|HOME=/root|"
	    "ROCKER_TEST_UNSET=file|FROMFILE=1") == 0,
	    "env-file over image: %s",
	    joined(env));
	CHECK(env_lookup_merge(&env, &nenv, flags, 4, &e) == 0 &&
	    strcmp(joined(env), "PATH=/usr/bin:/bin|HOME=/home/me|"
	    "FROMFILE=1|ROCKER_TEST_SET=from host|NEW=") == 0 && nenv == 5,
	    "-e over env-file; -e KEY from host or removed: %s",
	    joined(env));
	CHECK(env[nenv] == NULL, "merged vector is NULL-terminated");
	CHECK(env_lookup_merge(&env, &nenv, bad, 2, &e) < 0 &&
	    strcmp(e.msg, "invalid environment variable: =oops") == 0 &&
	    !env_get(env, "OK"), "empty key refused before any change: %s",
	    e.msg);
	CHECK(strcmp(env_get(env, "PATH"), "/usr/bin:/bin") == 0 &&
	    strcmp(env_get(env, "NEW"), "") == 0, "env_get");
	CHECK(env_get(env, "PAT") == NULL &&
	    env_get(env, "ROCKER_TEST_UNSET") == NULL &&
	    env_get(NULL, "PATH") == NULL, "env_get: absent keys");
	CHECK(env_lookup_merge(&env, &nenv, NULL, 0, &e) == 0 && nenv == 5,
	    "merging nothing");
	env_free(env);
	env_free(v);
	env_free(NULL);
	return check_done();
}
