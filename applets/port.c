/* port.c - list a container's published ports, like docker port */

#include <arpa/inet.h>
#include <netinet/in.h>

#include "applet.h"
#include "container.h"
#include "ports.h"

const char port_usage[] =
"usage: rocker port CONTAINER [PORT[/PROTO]]\n"
"\n"
"List the host addresses a running container's ports are published on:\n"
"every mapping as \"80/tcp -> 0.0.0.0:8080\", or for one PORT (tcp unless\n"
"/udp is given) only the host addresses.\n";

static const char port_spec[] = "<1>2";

int
port_main(int argc, char **argv)
{
	struct opts o;
	struct err e = ERR_INIT;
	struct port_map *v = NULL, want;
	struct ctr c;
	char key[32], ip[INET_ADDRSTRLEN];
	size_t n = 0, i, shown = 0;
	int one, status = 0;

	xopts(&o, port_spec, port_usage, argc, argv, 2);
	memset(&want, 0, sizeof(want));
	one = o.argc > 1;
	if (one) {
		struct port_map *w = NULL;
		size_t nw = 0;

		if (ports_parse_exposed(o.argv[1], &w, &nw, &e) < 0 ||
		    nw != 1)
			die_msg(1, "invalid port: %s", o.argv[1]);
		want = w[0];
		free(w);
	}
	if (ctr_open(rk.cfg.state, o.argv[0], &c, &e) < 0)
		die_err(&e, 1);
	if (ports_current(&c, &v, &n, NULL, 0, &e) < 0)
		die_err(&e, 1);
	for (i = 0; i < n; i++) {
		if (one && (v[i].ctr_port != want.ctr_port ||
		    v[i].proto != want.proto))
			continue;
		inet_ntop(AF_INET, &v[i].host_ip, ip, sizeof(ip));
		ports_key(&v[i], key, sizeof(key));
		if (one)
			printf("%s:%u\n", ip, v[i].host_port);
		else
			printf("%s -> %s:%u\n", key, ip, v[i].host_port);
		shown++;
	}
	if (one && !shown) {
		ports_key(&want, key, sizeof(key));
		fprintf(stderr, "Error: No public port '%s' published for "
		    "%s\n", key, o.argv[0]);
		status = 1;
	}
	free(v);
	ctr_close(&c);
	opts_free(&o);
	return status;
}
