/* pull.c - resolve a reference, fetch verified documents, stream layers
 *
 * The parent resolves the manifest (HEAD first: an unchanged image costs
 * no GET), stores index, manifest and config blobs, then forks one worker
 * per missing layer, at most max_concurrent at a time. Each worker streams
 * its layer into a store transaction and reports progress as fixed-size
 * messages on a pipe (atomic below PIPE_BUF). A failed worker stops the
 * others; their staging directories are swept, never committed.
 */

#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "digestio.h"
#include "extract.h"
#include "gzip.h"
#include "http.h"
#include "json.h"
#include "log.h"
#include "pull.h"
#include "registry.h"
#include "sha256.h"

enum {
	MAX_WORKERS = 64,
	RESUMES_MAX = 5,	/* Range resumes per layer attempt */
	RESTARTS_MAX = 2,	/* whole-layer restarts (200 instead of 206) */
	PROGRESS_MS = 100,
	MSG_TEXT = 400,
};

/* Worker -> parent message; must stay below PIPE_BUF. */
struct msg {
	int32_t layer;
	int32_t state;
	uint64_t done, total;
	char text[MSG_TEXT];
};

/* The layer body with transparent Range resumes. */
struct blob_src {
	struct registry *reg;
	const char *digest;
	int64_t size;		/* from the descriptor */
	struct http_response resp;
	uint64_t off;		/* bytes delivered so far */
	int resumes;
	int restart;		/* server ignored Range: start over */
	int progress_fd;
	int layer;
	uint64_t last_report;
	struct timespec last_ts;
};

struct job {
	const struct descriptor *desc;
	char diff_id[DIGEST_MAX];
	char chain[DIGEST_MAX];
	char parent[DIGEST_MAX];
	pid_t pid;
	int state;		/* 0 todo, 1 running, 2 done */
};

static void
emit(const struct pull_opts *o, enum pull_state st, int layer, int n,
    const char *digest, uint64_t done, uint64_t total, const char *text)
{
	struct pull_event ev;

	if (!o->progress)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.state = st;
	ev.layer = layer;
	ev.nlayers = n;
	if (digest && strchr(digest, ':'))
		snprintf(ev.id, sizeof(ev.id), "%.12s", strchr(digest, ':') + 1);
	ev.done = done;
	ev.total = total;
	ev.text = text;
	o->progress(o->arg, &ev);
}

static void
send_msg(int fd, int layer, int state, uint64_t done, uint64_t total,
    const char *text)
{
	struct msg m;
	ssize_t n;

	memset(&m, 0, sizeof(m));
	m.layer = layer;
	m.state = state;
	m.done = done;
	m.total = total;
	if (text)
		snprintf(m.text, sizeof(m.text), "%s", text);
	do
		n = write(fd, &m, sizeof(m));
	while (n < 0 && errno == EINTR);
}

static long
ms_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->tv_sec) * 1000 +
	    (now.tv_nsec - t->tv_nsec) / 1000000;
}

/* Is this failure worth a Range resume (the connection, not the data)? */
static int
resumable(const struct err *e)
{
	return e->code == ERR_PROTO || e->code == ETIMEDOUT ||
	    e->code == ECONNRESET || e->code == EPIPE || e->code == EIO;
}

static int
blob_reopen(struct blob_src *b, struct err *e)
{
	int64_t start, end, total;

	http_response_free(&b->resp);
	if (registry_get_blob(b->reg, b->digest, (int64_t)b->off, &b->resp,
	    e) < 0)
		return -1;
	if (b->off == 0)
		return 0;
	if (b->resp.status == 200) {
		b->restart = 1;
		return err_set(e, ERR_PROTO, "server ignored Range: restarting "
		    "the layer");
	}
	if (http_content_range(&b->resp, &start, &end, &total, e) < 0)
		return -1;
	if (start != (int64_t)b->off || (total >= 0 && end != total - 1) ||
	    (b->size >= 0 && total >= 0 && total != b->size))
		return err_set(e, ERR_PROTO, "resume at %llu: server sent "
		    "bytes %lld-%lld/%lld", (unsigned long long)b->off,
		    (long long)start, (long long)end, (long long)total);
	return 0;
}

static ssize_t
blob_read(void *ctx, void *buf, size_t len, struct err *e)
{
	struct blob_src *b = ctx;
	ssize_t n;

	for (;;) {
		n = http_read(&b->resp, buf, len, e);
		if (n > 0) {
			b->off += n;
			if (b->size >= 0 && b->off > (uint64_t)b->size)
				return err_set(e, ERR_DIGEST, "blob %s is "
				    "longer than its %lld bytes", b->digest,
				    (long long)b->size);
			if (ms_since(&b->last_ts) >= PROGRESS_MS) {
				clock_gettime(CLOCK_MONOTONIC, &b->last_ts);
				send_msg(b->progress_fd, b->layer,
				    PULL_DOWNLOADING, b->off, b->size, NULL);
			}
			return n;
		}
		if (n == 0) {
			if (b->size >= 0 && b->off < (uint64_t)b->size) {
				err_set(e, ERR_PROTO, "connection closed after "
				    "%llu of %lld bytes",
				    (unsigned long long)b->off,
				    (long long)b->size);
			} else
				return 0;
		}
		if (!resumable(e) || b->resumes >= RESUMES_MAX ||
		    b->restart)
			return -1;
		b->resumes++;
		log_debug("blob %.19s: %s: resuming at %llu", b->digest,
		    e->msg, (unsigned long long)b->off);
		send_msg(b->progress_fd, b->layer, PULL_RETRYING, b->off,
		    b->size, e->msg);
		if (blob_reopen(b, e) < 0)
			return -1;
	}
}

/* Drain whatever follows in `r` (trailing data still counts for digests). */
static int
drain(struct reader *r, struct err *e)
{
	char buf[16384];
	ssize_t n;

	while ((n = r->read(r->ctx, buf, sizeof(buf), e)) > 0)
		;
	return n < 0 ? -1 : 0;
}

/* One attempt at one layer. 1: already there, 0: committed, -1: error. */
static int
layer_attempt(struct store *s, int driver, struct registry *reg,
    const struct job *j, int idx, int fd, struct blob_src *b,
    const struct pull_opts *o, struct err *e)
{
	struct store_layer_tx tx;
	struct store_layer_meta meta;
	struct extract_opts xo;
	struct extract_stats st;
	struct digestio dcomp, ddiff;
	struct gzip gz;
	struct reader rb, rc, rz, rd;
	int r, ret = -1;

	memset(&tx, 0, sizeof(tx));
	memset(&gz, 0, sizeof(gz));
	r = store_layer_begin(s, j->chain, &tx, e);
	if (r != 0)
		return r;
	memset(b, 0, sizeof(*b));
	b->reg = reg;
	b->digest = j->desc->digest;
	b->size = j->desc->size;
	b->progress_fd = fd;
	b->layer = idx;
	clock_gettime(CLOCK_MONOTONIC, &b->last_ts);
	if (blob_reopen(b, e) < 0)
		goto out;
	if (http_content_length(&b->resp) >= 0 &&
	    http_content_length(&b->resp) != j->desc->size) {
		err_set(e, ERR_DIGEST, "blob %s: server sends %lld bytes, "
		    "manifest says %lld", j->desc->digest,
		    (long long)http_content_length(&b->resp),
		    (long long)j->desc->size);
		goto out;
	}
	send_msg(fd, idx, PULL_DOWNLOADING, 0, j->desc->size, NULL);
	rb.read = blob_read;
	rb.ctx = b;
	digestio_init(&dcomp, &rb, &rc);
	if (gzip_init(&gz, &rc, GZIP_AUTO, &rz, e) < 0)
		goto out;
	digestio_init(&ddiff, &rz, &rd);
	memset(&xo, 0, sizeof(xo));
	xo.mode = driver == STORE_DRIVER_COPY ? EXTRACT_KEEP :
	    EXTRACT_OVERLAY;
	xo.max_bytes = o->max_bytes;
	xo.max_entries = o->max_entries;
	memset(&st, 0, sizeof(st));
	if (extract_tar(tx.dirfd, &rd, &xo, &st, e) < 0 ||
	    drain(&rd, e) < 0 || drain(&rc, e) < 0) {
		struct err e2 = ERR_INIT;

		/* A corrupt blob shows up as bad gzip or tar first: name the
		 * cause when the rest of the blob proves it. */
		if (drain(&rc, &e2) == 0 && dcomp.bytes ==
		    (uint64_t)j->desc->size &&
		    digestio_verify(&dcomp, j->desc->digest, &e2) < 0)
			*e = e2;
		err_ctx(e, "layer %s", j->desc->digest);
		goto out;
	}
	send_msg(fd, idx, PULL_VERIFYING, b->off, j->desc->size, NULL);
	if (dcomp.bytes != (uint64_t)j->desc->size) {
		err_set(e, ERR_DIGEST, "blob %s: got %llu bytes, manifest "
		    "says %lld", j->desc->digest,
		    (unsigned long long)dcomp.bytes,
		    (long long)j->desc->size);
		goto out;
	}
	if (digestio_verify(&dcomp, j->desc->digest, e) < 0) {
		err_ctx(e, "layer %s", j->desc->digest);
		goto out;
	}
	if (digestio_verify(&ddiff, j->diff_id, e) < 0) {
		err_ctx(e, "layer %s: diff_id", j->desc->digest);
		goto out;
	}
	memset(&meta, 0, sizeof(meta));
	snprintf(meta.diff_id, sizeof(meta.diff_id), "%s", j->diff_id);
	snprintf(meta.parent, sizeof(meta.parent), "%s", j->parent);
	meta.size = (int64_t)ddiff.bytes;
	snprintf(meta.digest, sizeof(meta.digest), "%s", j->desc->digest);
	meta.compressed_size = j->desc->size;
	snprintf(meta.media_type, sizeof(meta.media_type), "%s",
	    j->desc->media_type);
	snprintf(meta.whiteouts, sizeof(meta.whiteouts), "%s",
	    driver == STORE_DRIVER_COPY ? "aufs" : "overlay");
	/*
	 * Layers commit in order: the store refuses a layer whose parent is
	 * missing. Workers start in index order, so the parent's worker is
	 * running or done; if it fails, the parent process stops us.
	 */
	while (j->parent[0] && !store_layer_exists(s, j->parent))
		poll(NULL, 0, 20);
	if (store_layer_commit(s, &tx, &meta, e) < 0)
		goto out;
	ret = 0;
out:
	gzip_free(&gz);
	http_response_free(&b->resp);
	store_layer_abort(s, &tx);
	return ret;
}

/* The worker process body for layer `idx`; returns the exit status. */
static int
layer_worker(struct store *s, int driver, struct registry *reg,
    const struct job *j, int idx, int fd, const struct pull_opts *o)
{
	struct err e = ERR_INIT;
	struct blob_src b;
	int r, attempt;

	for (attempt = 0;; attempt++) {
		err_clear(&e);
		r = layer_attempt(s, driver, reg, j, idx, fd, &b, o, &e);
		if (r >= 0)
			break;
		if (!b.restart || attempt >= RESTARTS_MAX) {
			send_msg(fd, idx, PULL_FAILED, 0, 0, e.msg);
			return 1;
		}
		send_msg(fd, idx, PULL_RETRYING, 0, j->desc->size, e.msg);
	}
	send_msg(fd, idx, r == 1 ? PULL_EXISTS : PULL_COMPLETE, b.off,
	    j->desc->size, NULL);
	return 0;
}

/* Read a blob from the store if present, else fetch and store it. */
static int
get_blob(struct store *s, struct registry *reg, const struct descriptor *d,
    char **buf, size_t *len, int *fetched, struct err *e)
{
	*fetched = 0;
	if (store_blob_exists(s, d->digest))
		return store_blob_read(s, d->digest, MANIFEST_MAX_BYTES, buf,
		    len, e);
	if (registry_read_blob(reg, d, buf, len, e) < 0)
		return -1;
	*fetched = 1;
	return store_blob_put(s, d->digest, *buf, *len, e);
}

/* Get manifest `reference`, from the store when its digest is known. */
static int
get_manifest(struct store *s, struct registry *reg, const char *reference,
    const char *ctype_known, char **buf, size_t *len,
    char ctype[MEDIATYPE_MAX], char digest[DIGEST_MAX], int *fetched,
    struct err *e)
{
	char d[DIGEST_MAX];
	int r;

	*fetched = 0;
	if (strchr(reference, ':')) {
		snprintf(d, sizeof(d), "%s", reference);
		r = 1;
	} else {
		r = registry_head_manifest(reg, reference, d, e);
		if (r < 0)
			return -1;
	}
	if (r == 1 && store_blob_exists(s, d)) {
		log_debug("manifest %s is in the store", d);
		snprintf(digest, DIGEST_MAX, "%s", d);
		snprintf(ctype, MEDIATYPE_MAX, "%s",
		    ctype_known ? ctype_known : "");
		return store_blob_read(s, d, MANIFEST_MAX_BYTES, buf, len, e);
	}
	if (registry_get_manifest(reg, r == 1 ? d : reference, buf, len,
	    ctype, digest, e) < 0)
		return -1;
	*fetched = 1;
	return store_blob_put(s, digest, *buf, *len, e);
}

/* SIGTERM every running worker and reap it; returns how many there were. */
static int
stop_workers(struct job *jobs, size_t n)
{
	int stopped = 0;

	size_t i;

	for (i = 0; i < n; i++)
		if (jobs[i].state == 1 && jobs[i].pid > 0)
			kill(jobs[i].pid, SIGTERM);
	for (i = 0; i < n; i++)
		if (jobs[i].state == 1 && jobs[i].pid > 0) {
			waitpid(jobs[i].pid, NULL, 0);
			jobs[i].state = 2;
			stopped++;
		}
	return stopped;
}

/* Run the layer jobs with at most `max` workers; forward progress. */
static int
run_jobs(struct store *s, int driver, struct registry *reg,
    struct job *jobs, size_t n, const struct pull_opts *o,
    struct pull_result *res, struct err *e)
{
	int pfd[2], running = 0, failed = 0, st, max = o->max_concurrent;
	size_t next = 0, i, done = 0;
	struct pollfd pf;
	struct msg m;
	pid_t pid;
	ssize_t got;

	if (max < 1)
		max = 1;
	if (max > MAX_WORKERS)
		max = MAX_WORKERS;
	for (i = 0; i < n; i++)
		done += jobs[i].state == 2;
	if (done == n)
		return 0;
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return err_sys(e, "pipe");
	pf.fd = pfd[0];
	pf.events = POLLIN;
	/* Pooled connections must not be shared with the workers. */
	if (registry_reset_connections(reg, e) < 0)
		return -1;
	while (done < n) {
		while (!failed && running < max && next < n) {
			if (jobs[next].state == 2) {
				next++;
				continue;
			}
			pid = fork();
			if (pid < 0) {
				err_sys(e, "fork");
				failed = 1;
				break;
			}
			if (pid == 0) {
				close(pfd[0]);
				signal(SIGINT, SIG_DFL);
				signal(SIGTERM, SIG_DFL);
				/* Die with the parent, never finish alone. */
				prctl(PR_SET_PDEATHSIG, SIGTERM);
				if (getppid() == 1)
					_exit(1);
				_exit(layer_worker(s, driver, reg,
				    &jobs[next], (int)next, pfd[1], o));
			}
			jobs[next].pid = pid;
			jobs[next].state = 1;
			running++;
			next++;
		}
		if (failed && running == 0)
			break;
		if (poll(&pf, 1, 200) > 0) {
			got = read(pfd[0], &m, sizeof(m));
			if (got == (ssize_t)sizeof(m) && m.layer >= 0 &&
			    (size_t)m.layer < n) {
				const struct descriptor *d =
				    jobs[m.layer].desc;

				m.text[sizeof(m.text) - 1] = '\0';
				if (m.state == PULL_FAILED && !failed) {
					err_set(e, ERR_GENERIC, "%s", m.text);
					failed = 1;
					running -= stop_workers(jobs, n);
				}
				if (m.state == PULL_COMPLETE)
					res->bytes += d->size;
				emit(o, m.state, m.layer, (int)n, d->digest,
				    m.done, m.total, m.text[0] ? m.text :
				    NULL);
			}
			continue;
		}
		while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
			for (i = 0; i < n; i++)
				if (jobs[i].pid == pid && jobs[i].state == 1)
					break;
			if (i == n)
				continue;
			jobs[i].state = 2;
			running--;
			done++;
			if ((!WIFEXITED(st) || WEXITSTATUS(st) != 0) &&
			    !failed) {
				err_set(e, ERR_GENERIC, "layer %s: worker "
				    "died", jobs[i].desc->digest);
				failed = 1;
				running -= stop_workers(jobs, n);
			}
		}
		if (failed && running <= 0)
			break;
		for (i = 0, done = 0; i < n; i++)
			done += jobs[i].state == 2;
	}
	/* Late messages (a worker's last words before exiting). */
	while (!failed && poll(&pf, 1, 0) > 0 &&
	    read(pfd[0], &m, sizeof(m)) == (ssize_t)sizeof(m))
		if (m.layer >= 0 && (size_t)m.layer < n)
			emit(o, m.state, m.layer, (int)n,
			    jobs[m.layer].desc->digest, m.done, m.total,
			    NULL);
	close(pfd[0]);
	close(pfd[1]);
	/* A worker stopped between its layer's link and the layer's rename
	 * left a link to no layer. */
	for (i = 0; failed && i < n; i++)
		store_layer_drop_link(s, jobs[i].chain);
	return failed ? -1 : 0;
}

/* Record the image: id, tags, digests, layers. */
static int
record_image(struct store *s, const struct ref *ref, const char *digest,
    const char *config_digest, const char *config, size_t config_len,
    struct job *jobs, size_t n, struct err *e)
{
	struct store_image img;
	struct store_image_layer *layers;
	struct store_layer_meta meta;
	struct json_value *root;
	char tag[REF_STR_MAX + 160], dig[REF_STR_MAX + 160], name[REF_STR_MAX];
	char *tags[1], *digests[1];
	const char *v;
	size_t i;
	int ret = -1;

	memset(&img, 0, sizeof(img));
	layers = calloc(n ? n : 1, sizeof(*layers));
	if (!layers)
		return err_sys(e, "image record");
	snprintf(img.id, sizeof(img.id), "%s", config_digest);
	snprintf(img.manifest, sizeof(img.manifest), "%s", digest);
	ref_name(ref, name, sizeof(name));
	if (ref->tag[0]) {
		snprintf(tag, sizeof(tag), "%s:%s", name, ref->tag);
		tags[0] = tag;
		img.tags = tags;
		img.ntags = 1;
	}
	snprintf(dig, sizeof(dig), "%s@%s", name, digest);
	digests[0] = dig;
	img.digests = digests;
	img.ndigests = 1;
	for (i = 0; i < n; i++) {
		snprintf(layers[i].chain_id, sizeof(layers[i].chain_id), "%s",
		    jobs[i].chain);
		snprintf(layers[i].diff_id, sizeof(layers[i].diff_id), "%s",
		    jobs[i].diff_id);
		if (store_layer_get(s, jobs[i].chain, &meta, e) < 0)
			goto out;
		img.size += meta.size > 0 ? meta.size : 0;
	}
	img.layers = layers;
	img.nlayers = n;
	root = json_parse(config, config_len, NULL, e);
	if (root) {
		if ((v = json_str(json_obj_get(root, "created"))))
			snprintf(img.created, sizeof(img.created), "%s", v);
		if ((v = json_str(json_obj_get(root, "os"))))
			snprintf(img.os, sizeof(img.os), "%s", v);
		if ((v = json_str(json_obj_get(root, "architecture"))))
			snprintf(img.arch, sizeof(img.arch), "%s", v);
		if ((v = json_str(json_obj_get(root, "variant"))))
			snprintf(img.variant, sizeof(img.variant), "%s", v);
		json_free(root);
	}
	ret = store_image_put(s, &img, e);
out:
	free(layers);
	return ret;
}

int
pull_image(struct store *s, int driver, const struct config *cfg,
    const struct ref *ref, const struct pull_opts *o,
    struct pull_result *res, struct err *e)
{
	struct registry reg;
	struct manifest idx, man;
	struct image_config ic;
	struct platform want;
	struct store_image old;
	struct job *jobs = NULL;
	char *buf = NULL, *cbuf = NULL, ctype[MEDIATYPE_MAX];
	char digest[DIGEST_MAX], mdigest[DIGEST_MAX], text[600];
	size_t len, clen, sel, i;
	int fetched, any = 0, had_old, ret = -1;

	memset(res, 0, sizeof(*res));
	memset(&idx, 0, sizeof(idx));
	memset(&man, 0, sizeof(man));
	memset(&ic, 0, sizeof(ic));
	memset(&old, 0, sizeof(old));
	ref_canonical(ref, res->canonical, sizeof(res->canonical));
	ref_familiar(ref, res->familiar, sizeof(res->familiar));
	if (o->platform) {
		if (platform_parse(o->platform, &want, e) < 0)
			return -1;
	} else
		platform_host(&want);
	if (registry_open(&reg, ref, cfg, e) < 0)
		goto out;
	snprintf(text, sizeof(text), "%s: Pulling from %s",
	    ref->tag[0] ? ref->tag : ref->digest, ref->path);
	emit(o, PULL_RESOLVING, -1, 0, NULL, 0, 0, text);
	if (get_manifest(s, &reg, ref_manifest_ref(ref), NULL, &buf, &len,
	    ctype, digest, &fetched, e) < 0) {
		if (e->code == ERR_AUTH) {
			ref_name(ref, text, sizeof(text));
			err_ctx(e, "pull access denied for %s, repository does "
			    "not exist or may require 'rocker login'", text);
		}
		goto out;
	}
	any |= fetched;
	snprintf(res->digest, sizeof(res->digest), "%s", digest);
	if (manifest_parse(fetched ? ctype : NULL, buf, len, &idx, e) < 0) {
		err_ctx(e, "%s", res->canonical);
		goto out;
	}
	snprintf(mdigest, sizeof(mdigest), "%s", digest);
	if (idx.kind == MANIFEST_INDEX) {
		if (platform_select(&idx, &want, &sel, e) < 0)
			goto out;
		free(buf);
		buf = NULL;
		if (get_manifest(s, &reg, idx.entries[sel].digest,
		    idx.entries[sel].media_type, &buf, &len, ctype, mdigest,
		    &fetched, e) < 0)
			goto out;
		any |= fetched;
		if ((int64_t)len != idx.entries[sel].size) {
			err_set(e, ERR_DIGEST, "manifest %s: %zu bytes, index "
			    "says %lld", mdigest, len,
			    (long long)idx.entries[sel].size);
			goto out;
		}
		if (manifest_parse(fetched ? ctype : NULL, buf, len, &man,
		    e) < 0)
			goto out;
		if (man.kind != MANIFEST_IMAGE) {
			err_set(e, ERR_PARSE, "nested image indexes are not "
			    "supported");
			goto out;
		}
	} else {
		man = idx;
		memset(&idx, 0, sizeof(idx));
	}
	if (get_blob(s, &reg, &man.config, &cbuf, &clen, &fetched, e) < 0) {
		err_ctx(e, "image config");
		goto out;
	}
	any |= fetched;
	if (image_config_parse(cbuf, clen, &ic, e) < 0)
		goto out;
	if (ic.count != man.count) {
		err_set(e, ERR_PARSE, "image config lists %zu diff_ids for "
		    "%zu layers", ic.count, man.count);
		goto out;
	}
	snprintf(res->id, sizeof(res->id), "%s", man.config.digest);
	jobs = calloc(man.count, sizeof(*jobs));
	if (!jobs) {
		err_sys(e, "pull");
		goto out;
	}
	for (i = 0; i < man.count; i++) {
		jobs[i].desc = &man.entries[i];
		snprintf(jobs[i].diff_id, sizeof(jobs[i].diff_id), "%s",
		    ic.diff_ids[i]);
		if (i)
			snprintf(jobs[i].parent, sizeof(jobs[i].parent), "%s",
			    jobs[i - 1].chain);
		if (store_chain_id(i ? jobs[i].parent : NULL, ic.diff_ids[i],
		    jobs[i].chain, e) < 0)
			goto out;
		if (man.entries[i].compression == LAYER_ZSTD) {
			err_set(e, ERR_PARSE, "layer %s: zstd-compressed layers "
			    "are not supported", man.entries[i].digest);
			goto out;
		}
		if (man.entries[i].has_urls && !man.entries[i].compression) {
			err_set(e, ERR_PARSE, "layer %s: foreign layers are "
			    "not supported", man.entries[i].digest);
			goto out;
		}
		if (store_layer_exists(s, jobs[i].chain)) {
			jobs[i].state = 2;
			emit(o, PULL_EXISTS, (int)i, (int)man.count,
			    man.entries[i].digest, 0, 0, NULL);
		} else {
			any = 1;
			emit(o, PULL_WAITING, (int)i, (int)man.count,
			    man.entries[i].digest, 0, man.entries[i].size,
			    NULL);
		}
	}
	for (i = 0; i < man.count; i++)
		res->layers_fetched += jobs[i].state == 0;
	if (run_jobs(s, driver, &reg, jobs, man.count, o, res, e) < 0)
		goto out;
	had_old = ref->tag[0] && store_image_get(s, res->canonical, &old,
	    &(struct err){ 0, "" }) == 0 && strcmp(old.id, res->id) == 0;
	if (record_image(s, ref, digest, man.config.digest, cbuf, clen, jobs,
	    man.count, e) < 0)
		goto out;
	res->up_to_date = !any && had_old;
	ret = 0;
out:
	free(jobs);
	store_image_free(&old);
	image_config_free(&ic);
	manifest_free(&idx);
	manifest_free(&man);
	free(buf);
	free(cbuf);
	registry_close(&reg);
	return ret;
}
