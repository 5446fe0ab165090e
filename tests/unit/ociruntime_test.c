/* ociruntime_test.c - the OCI runtime's state records, status and JSON */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../core/json.h"
#include "../../core/ociruntime.h"
#include "check.h"

static char root[64];

static void
put(const char *id, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, id);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/%s/state.json", root, id);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

/* Our own start time, from /proc/self/stat field 22. */
static unsigned long long
self_start(void)
{
	char buf[1024], *p;
	unsigned long long v = 0;
	int fd = open("/proc/self/stat", O_RDONLY), i;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);

	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	p = strrchr(buf, ')') + 2;
	for (i = 3; i < 22; i++)
		p = strchr(p, ' ') + 1;
	sscanf(p, "%llu", &v);
	return v;
}

int
main(void)
{
	struct err e = ERR_INIT;
	struct oci_state st;
	struct json_value *v;
	char text[1024], *json, **ids;
	size_t n;

	snprintf(root, sizeof(root), "/tmp/ociruntime_test.%ld",
	    (long)getpid());
	mkdir(root, 0700);

	CHECK(oci_state_load(root, "nope", &st, &e) < 0 &&
	    e.code == ERR_NOTFOUND &&
	    strcmp(e.msg, "container \"nope\" does not exist") == 0,
	    "missing: runc's wording");
	err_clear(&e);
	CHECK(oci_state_load(root, "../x", &st, &e) < 0 &&
	    e.code == ERR_USAGE, "an id with a slash is refused");
	err_clear(&e);
	CHECK(oci_state_load(root, "..", &st, &e) < 0, "\"..\" is refused");
	err_clear(&e);

	/* A record whose init is this process: running. */
	snprintf(text, sizeof(text), "{\"id\":\"me\",\"pid\":%ld,"
	    "\"starttime\":%llu,\"bundle\":\"/b\",\"rootfs\":\"/b/rootfs\","
	    "\"created\":\"2024-01-02T03:04:05.000000006Z\","
	    "\"cgroup\":\"/x/me\",\"paused\":false,"
	    "\"annotations\":{\"k\":\"v\"}}", (long)getpid(), self_start());
	put("me", text);
	CHECK(oci_state_load(root, "me", &st, &e) == 0, "load a record");
	CHECK(st.pid == getpid() && strcmp(st.bundle, "/b") == 0 &&
	    strcmp(st.cgroup, "/x/me") == 0, "load: fields");
	CHECK(oci_status_of(&st) == OCI_RUNNING, "live init: running");
	st.paused = 1;
	CHECK(oci_status_of(&st) == OCI_PAUSED, "paused flag: paused");
	st.paused = 0;
	json = oci_state_json(&st, OCI_RUNNING, 0, &e);
	v = json ? json_parse(json, strlen(json), NULL, &e) : NULL;
	CHECK(v && strcmp(json_str(json_get(v, "ociVersion")), "1.0.2") == 0 &&
	    strcmp(json_str(json_get(v, "status")), "running") == 0 &&
	    strcmp(json_str(json_get(v, "annotations.k")), "v") == 0 &&
	    strcmp(json_str(json_get(v, "rootfs")), "/b/rootfs") == 0 &&
	    json_get(v, "created") && json_get(v, "bundle"),
	    "state JSON: runtime-spec fields");
	json_free(v);
	free(json);
	json = oci_state_json(&st, OCI_STOPPED, 0, &e);
	CHECK(json && strstr(json, "\"pid\":0"), "stopped: pid 0");
	free(json);

	/* A start.sock next to it: created. */
	snprintf(text, sizeof(text), "%s/me/start.sock", root);
	close(open(text, O_CREAT | O_WRONLY, 0600));
	CHECK(oci_status_of(&st) == OCI_CREATED, "start.sock: created");
	unlink(text);

	/* The pid reused by another process (other start time): stopped. */
	st.starttime++;
	CHECK(oci_status_of(&st) == OCI_STOPPED, "recycled pid: stopped");
	oci_state_free(&st);

	put("gone", "{\"id\":\"gone\",\"pid\":999999999,\"starttime\":1}");
	CHECK(oci_state_load(root, "gone", &st, &e) == 0 &&
	    oci_status_of(&st) == OCI_STOPPED, "no such pid: stopped");
	json = oci_state_json(&st, OCI_STOPPED, 0, &e);
	CHECK(json && strstr(json, "\"annotations\":{}"),
	    "no annotations: an empty object");
	free(json);
	oci_state_free(&st);

	put("bad", "{\"id\":\"bad\",\"pid\":\"x\"}");
	CHECK(oci_state_load(root, "bad", &st, &e) < 0, "a bad record fails");
	err_clear(&e);

	CHECK(oci_list(root, &ids, &n, &e) == 0 && n == 3 &&
	    strcmp(ids[0], "bad") == 0 && strcmp(ids[2], "me") == 0,
	    "list: sorted ids");
	while (n--)
		free(ids[n]);
	free(ids);
	CHECK(oci_list("/nonexistent-root", &ids, &n, &e) == 0 && n == 0,
	    "list: a missing root has none");

	json = oci_features_json(&e);
	v = json ? json_parse(json, strlen(json), NULL, &e) : NULL;
	CHECK(v && json_get(v, "ociVersionMax") &&
	    json_bool(json_get(v, "linux.seccomp.enabled")) &&
	    !json_bool(json_get(v, "linux.cgroup.systemd")) &&
	    json_len(json_get(v, "linux.capabilities")) > 30,
	    "features: a valid document");
	json_free(v);
	free(json);

	CHECK(oci_write_atomic("/nonexistent-dir/x", "1", 1, &e) < 0,
	    "atomic write: a missing directory fails");
	err_clear(&e);

	snprintf(text, sizeof(text), "rm -rf %s", root);
	if (system(text) != 0)
		return 1;
	return check_done();
}
