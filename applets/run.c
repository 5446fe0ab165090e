/* run.c - run a command in a new container, like docker run */

#include <signal.h>

#include "applet.h"

extern char **environ;
#include "container.h"
#include "create.h"
#include "image.h"
#include "monitor.h"
#include "network.h"
#include "runtime.h"
#include "sealexe.h"
#include "store.h"
#include "tty.h"

const char run_usage[] =
"usage: rocker run [OPTIONS] IMAGE [COMMAND] [ARG...]\n"
"\n"
"Create a container from IMAGE and run COMMAND in it (the image's\n"
"Entrypoint and Cmd by default). The exit status is the command's; 125\n"
"means rocker failed, 126 the command cannot be run, 127 it was not found.\n"
"\n"
"  -d, --detach            run in the background and print the id\n"
"  -i, --interactive       keep stdin open\n"
"  -t, --tty               allocate a pseudo-terminal\n"
"      --rm                remove the container when it exits\n"
"      --name NAME         name the container\n"
"  -e, --env K=V           set an environment variable (K alone: take it\n"
"                          from rocker's environment)\n"
"      --env-file FILE     read variables from FILE\n"
"  -w, --workdir DIR       working directory inside the container\n"
"  -u, --user USER[:GROUP] user (name or uid) inside the container\n"
"      --group-add GROUP   additional group\n"
"  -h, --hostname NAME     container host name\n"
"      --entrypoint CMD    override the image's entrypoint\n"
"  -v, --volume SPEC       /host:/ctr[:ro], NAME:/ctr[:ro] or /ctr\n"
"      --tmpfs PATH[:OPTS] mount a tmpfs\n"
"      --read-only         mount the root filesystem read-only\n"
"      --privileged        all capabilities and devices, no seccomp\n"
"      --cap-add CAP       add a capability (or ALL)\n"
"      --cap-drop CAP      drop a capability (or ALL)\n"
"      --security-opt OPT  no-new-privileges[=false], seccomp=unconfined\n"
"      --network NET       bridge (default), none, host, container:NAME\n"
"                          or a network made with `rocker network create`\n"
"      --ip ADDR           IPv4 address on a user network\n"
"      --dns IP            nameserver for /etc/resolv.conf\n"
"      --dns-search DOM    search domain for /etc/resolv.conf\n"
"      --add-host H:IP     add a line to /etc/hosts (IP host-gateway: the\n"
"                          bridge's gateway)\n"
"  -p, --publish SPEC      publish a container port on the host:\n"
"                          [HOSTIP:][HOSTPORT:]PORT[/tcp|/udp], ranges\n"
"                          N-M (no HOSTPORT: a free one)\n"
"  -P, --publish-all       publish every exposed port on a free port\n"
"      --pid host          share the host's pid namespace\n"
"      --ipc host          share the host's IPC namespace\n"
"      --uts host          share the host's UTS namespace\n"
"  -m, --memory BYTES      memory limit (e.g. 64m)\n"
"      --memory-swap BYTES memory plus swap limit (-1: unlimited)\n"
"      --memory-reservation BYTES  soft memory limit\n"
"      --cpus N            CPU quota (e.g. 0.5)\n"
"  -c, --cpu-shares N      CPU weight\n"
"      --cpuset-cpus LIST  CPUs allowed (e.g. 0-1)\n"
"      --cpuset-mems LIST  memory nodes allowed\n"
"      --pids-limit N      process limit (-1: unlimited)\n"
"      --ulimit T=S[:H]    resource limit (e.g. nofile=1024:2048)\n"
"      --sysctl K=V        namespaced kernel parameter\n"
"      --shm-size BYTES    size of /dev/shm (64m)\n"
"      --oom-score-adj N   OOM killer preference\n"
"      --stop-signal SIG   signal `stop` sends (SIGTERM)\n"
"      --stop-timeout N    seconds `stop` waits before SIGKILL (10)\n"
"      --init              run an init (rocker) as PID 1 that reaps zombies\n"
"      --cgroup-parent P   cgroup P/<id> instead of /rocker/<id>\n"
"      --pull POLICY       missing (default), always or never\n"
"      --platform OS/ARCH  platform to pull\n"
"  -q, --quiet             no pull progress\n"
"      --sig-proxy         forward signals to the container (default true)\n";

static const char run_spec[] =
    "^<1d(detach)i(interactive)t(tty)(rm)(name):e(env)*(env-file)*"
    "w(workdir):u(user):(group-add)*h(hostname):(entrypoint):v(volume)*"
    "(tmpfs)*(read-only)(privileged)(cap-add)*(cap-drop)*"
    "(security-opt)*(network|net):(pid):(ipc):(uts):m(memory):"
    "(memory-swap):(memory-reservation):(cpus):c(cpu-shares):"
    "(cpuset-cpus):(cpuset-mems):(pids-limit):(ulimit)*(sysctl)*"
    "(shm-size):(oom-score-adj)#(stop-signal):(stop-timeout)#(init)"
    "(pull):(platform):q(quiet)(sig-proxy):a(attach)*p(publish)*P(publish-all)"
    "(cgroup-parent):(ip):(dns)*(dns-search)*(add-host)*";

static char **
list(const struct opts *o, const char *key, size_t *n)
{
	int k = 0;
	char **v = opt_list(o, key, &k);

	*n = (size_t)k;
	return v;
}

static void
fill(struct create_opts *c, const struct opts *o)
{
	memset(c, 0, sizeof(*c));
	c->image = o->argv[0];
	c->cmd = o->argv + 1;
	c->ncmd = (size_t)(o->argc - 1);
	c->entrypoint = opt_str(o, "entrypoint");
	c->has_entrypoint = c->entrypoint != NULL;
	c->env = list(o, "env", &c->nenv);
	c->env_files = list(o, "env-file", &c->nenv_files);
	c->workdir = opt_str(o, "workdir");
	c->user = opt_str(o, "user");
	c->group_add = list(o, "group-add", &c->ngroup_add);
	c->hostname = opt_str(o, "hostname");
	c->name = opt_str(o, "name");
	c->volumes = list(o, "volume", &c->nvolumes);
	c->tmpfs = list(o, "tmpfs", &c->ntmpfs);
	c->cap_add = list(o, "cap-add", &c->ncap_add);
	c->cap_drop = list(o, "cap-drop", &c->ncap_drop);
	c->security_opt = list(o, "security-opt", &c->nsecurity_opt);
	c->sysctls = list(o, "sysctl", &c->nsysctls);
	c->ulimits = list(o, "ulimit", &c->nulimits);
	c->network = opt_str(o, "network");
	c->ip = opt_str(o, "ip");
	c->dns = list(o, "dns", &c->ndns);
	c->dns_search = list(o, "dns-search", &c->ndns_search);
	c->add_hosts = list(o, "add-host", &c->nadd_hosts);
	c->publish = list(o, "publish", &c->npublish);
	c->publish_all = opt_on(o, "publish-all");
	c->pid_mode = opt_str(o, "pid");
	c->ipc_mode = opt_str(o, "ipc");
	c->uts_mode = opt_str(o, "uts");
	c->memory = opt_str(o, "memory");
	c->memory_swap = opt_str(o, "memory-swap");
	c->memory_reservation = opt_str(o, "memory-reservation");
	c->cpus = opt_str(o, "cpus");
	c->cpu_shares = opt_str(o, "cpu-shares");
	c->cpuset_cpus = opt_str(o, "cpuset-cpus");
	c->cpuset_mems = opt_str(o, "cpuset-mems");
	c->pids_limit = opt_str(o, "pids-limit");
	c->stop_signal = opt_str(o, "stop-signal");
	c->stop_timeout = (int)opt_num(o, "stop-timeout", -1);
	c->shm_size = opt_str(o, "shm-size");
	c->cgroup_parent = opt_str(o, "cgroup-parent");
	c->read_only = opt_on(o, "read-only");
	c->privileged = opt_on(o, "privileged");
	c->tty = opt_on(o, "tty");
	c->interactive = opt_on(o, "interactive");
	c->auto_remove = opt_on(o, "rm");
	c->init = opt_on(o, "init");
	if (opt_str(o, "oom-score-adj")) {
		c->has_oom_score_adj = 1;
		c->oom_score_adj = (int)opt_num(o, "oom-score-adj", 0);
	}
}

static int
check_modes(const struct create_opts *c)
{
	static const char *const *none;
	const char *m[] = { c->pid_mode, c->ipc_mode, c->uts_mode };
	const char *f[] = { "--pid", "--ipc", "--uts" };
	int i;

	(void)none;
	for (i = 0; i < 3; i++)
		if (m[i] && strcmp(m[i], "host") != 0 &&
		    strcmp(m[i], "private") != 0 &&
		    !(i == 0 && strcmp(m[i], "") == 0)) {
			warn_msg("invalid %s mode: %s (host or private)", f[i],
			    m[i]);
			return -1;
		}
	return 0;
}

/* Find the image, pulling it as --pull says: 1 with *img filled when it
 * was in the store, 0 when it was pulled (*img empty), -1 on error. */
static int
ensure_image(struct store *s, const struct opts *o, const char *name,
    struct store_image *img, struct err *e)
{
	const char *pull = opt_str(o, "pull");
	int r;

	if (!pull)
		pull = "missing";
	if (strcmp(pull, "missing") != 0 && strcmp(pull, "always") != 0 &&
	    strcmp(pull, "never") != 0)
		return err_set(e, ERR_USAGE, "invalid pull option: '%s': must "
		    "be one of \"always\", \"missing\" or \"never\"", pull);
	if (strcmp(pull, "always") != 0) {
		r = image_find(s, name, img, NULL, NULL, e);
		if (r == 0)
			return 1;
		store_image_free(img);
		if (e->code != ERR_NOTFOUND || strcmp(pull, "never") == 0)
			return -1;
		if (!opt_on(o, "quiet"))
			fprintf(stderr, "Unable to find image '%s' locally\n",
			    name);
		err_clear(e);
	}
	return pull_for_run(s, name, opt_str(o, "platform"),
	    opt_on(o, "quiet"), e);
}

/* Set up a bridge network's bridge now, while the user can be told what
 * changed on the host (the monitor does it quietly otherwise). */
static int
prepare_network(const char *net, struct err *e)
{
	struct net_report rep;
	struct net_def d;

	if (net && (strcmp(net, "none") == 0 || strcmp(net, "host") == 0 ||
	    strncmp(net, "container:", 10) == 0))
		return 0;
	if (net_lookup(&rk.cfg, net ? net : "bridge", &d, e) < 0)
		return -1;
	if (net_bridge_ensure(&d, &rep, e) < 0)
		return -1;
	if (rep.forward_enabled)
		warn_msg("enabled net.ipv4.ip_forward (it was 0) for "
		    "network %s", d.name);
	if (rep.masq_failed)
		warn_msg("no outbound NAT for network %s: %s", d.name,
		    rep.masq_error);
	log_debug("run: network %s ready", d.name);
	return 0;
}

int
run_main(int argc, char **argv)
{
	struct opts o;
	struct err e = ERR_INIT;
	struct create_opts co;
	struct monitor_opts mo;
	struct store s;
	struct store_image img;
	struct ctr c;
	struct tty_saved saved;
	int code = 125, raw = 0, sigproxy = 1, found, r;
	const char *sp;

	/* Run from a sealed copy before anything touches a container. */
	if (sealexe_ensure(rk.argv, environ, &e) < 0)
		die_err(&e, 125);
	xopts(&o, run_spec, run_usage, argc, argv, 125);
	memset(&s, 0, sizeof(s));
	memset(&c, 0, sizeof(c));
	memset(&img, 0, sizeof(img));
	c.lockfd = c.monfd = -1;
	fill(&co, &o);
	if (check_modes(&co) < 0)
		return 125;
	if ((co.npublish || co.publish_all) && co.network &&
	    strcmp(co.network, "host") == 0)
		warn_msg("published ports are discarded when using host "
		    "network mode");
	if ((sp = opt_str(&o, "sig-proxy")))
		sigproxy = strcmp(sp, "false") != 0 && strcmp(sp, "0") != 0;
	if (co.tty && !opt_on(&o, "detach") && !isatty(0) &&
	    co.interactive)
		die_msg(125, "the input device is not a TTY");
	log_debug("run: start");
	if (store_open(&s, rk.cfg.root, STORE_SHARED_QUICK, &e) < 0)
		goto fail;
	if ((found = ensure_image(&s, &o, co.image, &img, &e)) < 0)
		goto fail;
	co.found = found ? &img : NULL;
	log_debug("run: image found");
	if (prepare_network(co.network, &e) < 0)
		goto fail;
	r = create_container(&s, &rk.cfg, &co, &c, &e);
	store_image_free(&img);
	if (r < 0)
		goto fail;
	log_debug("run: container %.12s created", c.id);
	/* The container pins its layers; the store lock is not held for
	 * the container's life. */
	store_close(&s);

	memset(&mo, 0, sizeof(mo));
	mo.notify_fd = -1;
	mo.init = co.init;
	mo.auto_remove = co.auto_remove;
	mo.interactive = co.interactive;
	if (opt_on(&o, "detach")) {
		if (monitor_spawn(&rk.cfg, &c, &mo, &code, &e) < 0)
			goto fail;
		printf("%s\n", c.id);
		ctr_close(&c);
		opts_free(&o);
		return 0;
	}
	mo.in = 0;
	mo.out = 1;
	mo.err = 2;
	mo.sig_proxy = sigproxy && !co.tty;
	mo.direct = co.auto_remove && !co.tty;
	signal(SIGPIPE, SIG_IGN);
	if (co.tty && co.interactive && isatty(0)) {
		if (tty_raw(0, &saved, &e) < 0)
			goto fail;
		raw = 1;
	}
	if (monitor_run(&rk.cfg, &c, &mo, &code, &e) < 0) {
		if (raw)
			tty_restore(&saved, NULL);
		goto fail;
	}
	if (raw)
		tty_restore(&saved, &e);
	ctr_close(&c);
	opts_free(&o);
	return code;
fail:
	store_image_free(&img);
	store_close(&s);
	ctr_close(&c);
	warn_err(&e);
	opts_free(&o);
	if (e.code == ERR_NOCMD)
		return 127;
	if (e.code == ERR_NOEXEC)
		return 126;
	return 125;
}
