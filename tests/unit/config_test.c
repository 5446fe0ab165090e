/* config_test.c - settings: defaults, file, environment, validation */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "config.h"

static char path[] = "/tmp/rocker-config-test.XXXXXX";

static int
load_text(struct config *c, const char *text, struct err *e)
{
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
	err_clear(e);
	return config_load_file(c, path, e);
}

int
main(void)
{
	struct config c;
	struct err e = ERR_INIT;
	char *json;
	int fd = mkstemp(path);

	close(fd);
	unsetenv("ROCKER_CONFIG");
	config_defaults(&c);
	CHECK(strcmp(c.root, "/var/lib/rocker") == 0, "default root");
	CHECK(strcmp(c.state, "/var/lib/rocker") == 0, "default state");
	CHECK(strcmp(c.registry, "docker.io") == 0, "default registry");
	CHECK(strcmp(c.bridge, "rocker0") == 0 &&
	    strcmp(c.subnet, "10.77.0.0/16") == 0, "default bridge");
	CHECK(c.max_downloads == 3 && c.nmirrors == 0, "default downloads");

	CHECK(load_text(&c, "{\"data-root\": \"/srv/r\", \"registry-mirrors\":"
	    " [\"https://m1.example\", \"m2.example:5000\"], "
	    "\"insecure-registries\": [\"10.0.0.0/8\"], "
	    "\"max-concurrent-downloads\": 5, \"storage-driver\": \"copy\"}",
	    &e) == 0, "valid file loads: %s", e.msg);
	CHECK(strcmp(c.root, "/srv/r") == 0, "file sets data-root");
	CHECK(c.nmirrors == 2 && strcmp(c.mirrors[1], "m2.example:5000") == 0,
	    "file sets mirrors");
	CHECK(c.ninsecure == 1 && strcmp(c.insecure[0], "10.0.0.0/8") == 0,
	    "file sets insecure registries");
	CHECK(c.max_downloads == 5 && strcmp(c.driver, "copy") == 0,
	    "file sets number and driver");
	CHECK(strcmp(c.file, path) == 0, "records the file read");
	CHECK(strcmp(c.state, "/var/lib/rocker") == 0, "unset keys keep defaults");

	config_defaults(&c);
	CHECK(load_text(&c, "{\"data-root\": \"/a\", \"bogus\": 1}", &e) < 0
	    && strstr(e.msg, "unknown key \"bogus\""), "unknown key: %s",
	    e.msg);
	CHECK(strcmp(c.root, "/var/lib/rocker") == 0,
	    "a failed load leaves the config unchanged");
	CHECK(load_text(&c, "{\"data-root\": \"relative\"}", &e) < 0 &&
	    strstr(e.msg, "absolute"), "relative path refused: %s", e.msg);
	CHECK(load_text(&c, "{\"data-root\": 5}", &e) < 0 &&
	    strstr(e.msg, "expected a string"), "wrong type: %s", e.msg);
	CHECK(load_text(&c, "{\"registry-mirrors\": \"x\"}", &e) < 0 &&
	    strstr(e.msg, "array"), "list must be an array: %s", e.msg);
	CHECK(load_text(&c, "{\"bridge-subnet\": \"10.1.0.0/33\"}", &e) < 0,
	    "bad subnet: %s", e.msg);
	CHECK(load_text(&c, "{\"bridge\": \"much-too-long-name0\"}", &e) < 0,
	    "bridge name over 15 bytes: %s", e.msg);
	CHECK(load_text(&c, "{\"storage-driver\": \"zfs\"}", &e) < 0 &&
	    strstr(e.msg, "zfs"), "unknown driver: %s", e.msg);
	CHECK(load_text(&c, "{\"max-concurrent-downloads\": 0}", &e) < 0,
	    "downloads out of range: %s", e.msg);
	CHECK(load_text(&c, "{\"data-root\": \"/a\",}", &e) < 0 &&
	    strstr(e.msg, path), "malformed JSON names the file: %s", e.msg);
	CHECK(load_text(&c, "[]", &e) < 0 && strstr(e.msg, "object"),
	    "top level must be an object: %s", e.msg);
	unlink(path);
	err_clear(&e);
	CHECK(config_load_file(&c, path, &e) < 0 && e.code == ENOENT,
	    "an explicitly named file must exist: %s", e.msg);

	config_defaults(&c);
	setenv("ROCKER_ROOT", "/env/root", 1);
	setenv("ROCKER_REGISTRY_MIRRORS", "a.example,b.example", 1);
	CHECK(config_load_env(&c, &e) == 0 && strcmp(c.root, "/env/root") == 0
	    && c.nmirrors == 2 && strcmp(c.mirrors[0], "a.example") == 0,
	    "environment overrides, lists comma-separated");
	setenv("ROCKER_MAX_CONCURRENT_DOWNLOADS", "x", 1);
	CHECK(config_load_env(&c, &e) < 0 &&
	    strstr(e.msg, "ROCKER_MAX_CONCURRENT_DOWNLOADS"),
	    "bad environment value names the variable: %s", e.msg);
	unsetenv("ROCKER_MAX_CONCURRENT_DOWNLOADS");

	CHECK(config_set(&c, "exec-root", "/s", &e) == 0 &&
	    strcmp(c.state, "/s") == 0, "config_set by key");
	CHECK(config_set(&c, "nope", "1", &e) < 0, "config_set unknown key");

	CHECK(config_to_json(&c, &json, &e) == 0 &&
	    strstr(json, "\"data-root\": \"/env/root\"") &&
	    strstr(json, "\"max-concurrent-downloads\": 3"),
	    "serialises as a config document");
	free(json);
	return check_done();
}
