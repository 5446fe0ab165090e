/* user_fuzz.c - libFuzzer target for the passwd and group parsers of
 * core/user
 *
 * The input is split at its first NUL byte: passwd text before, group
 * text after. Both parse; every entry has a non-empty name; then a few
 * specs (root, the first entry by name and by uid, name:group, extras)
 * resolve or fail with a message, and a resolved identity lists its
 * primary gid first.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "user.h"

static void
lookup(const struct user_db *db, const char *spec, char *const *extra,
    size_t nextra)
{
	struct user_ids u;
	struct err e = ERR_INIT;

	if (user_lookup(db, spec, extra, nextra, &u, &e) < 0) {
		if (!e.msg[0] || u.gids || u.ngids)
			abort();
		return;
	}
	if (!u.ngids || u.gids[0] != u.gid || !u.home[0])
		abort();
	user_ids_free(&u);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct user_db db = { 0 };
	struct err e = ERR_INIT;
	const char *text = (const char *)data, *nul;
	size_t plen, i;
	char spec[512], num[16];
	char *extra[2];

	nul = memchr(text, '\0', size);
	plen = nul ? (size_t)(nul - text) : size;
	if (user_parse_passwd(text, plen, &db, &e) < 0 ||
	    user_parse_group(nul ? nul + 1 : NULL, nul ? size - plen - 1 : 0,
	    &db, &e) < 0)
		abort();
	for (i = 0; i < db.npw; i++)
		if (!db.pw[i].name[0] || !db.pw[i].home)
			abort();
	for (i = 0; i < db.ngr; i++)
		if (!db.gr[i].name[0])
			abort();
	lookup(&db, NULL, NULL, 0);
	if (db.npw) {
		snprintf(num, sizeof(num), "%u", (unsigned)db.pw[0].uid);
		lookup(&db, db.pw[0].name, NULL, 0);
		lookup(&db, num, NULL, 0);
		if (db.ngr) {
			snprintf(spec, sizeof(spec), "%.200s:%.200s",
			    db.pw[0].name, db.gr[db.ngr - 1].name);
			extra[0] = db.gr[0].name;
			extra[1] = num;
			lookup(&db, spec, extra, 2);
		}
	}
	user_db_free(&db);
	return 0;
}
