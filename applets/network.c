/* network.c - manage bridge networks, like docker network */

#include "applet.h"
#include "container.h"
#include "json.h"
#include "network.h"
#include "sha256.h"
#include "table.h"

const char network_usage[] =
"usage: rocker network COMMAND [ARG...]\n"
"\n"
"Manage container networks. `bridge` (the default, its interface and\n"
"subnet from the config keys bridge and bridge-subnet), `host` and `none`\n"
"are predefined; each network made here has a bridge of its own, and its\n"
"containers reach each other by name.\n"
"\n"
"  create [--subnet CIDR] [--gateway IP] NAME   create a network\n"
"  ls [-q]                list networks\n"
"  inspect NAME...        show networks as JSON\n"
"  rm NAME...             remove networks no container uses\n";

static const char network_spec[] =
    "<1q(quiet)(subnet):(gateway):d(driver):";

static void
short_id(const char *id, char *out)
{
	snprintf(out, 13, "%.12s", id);
}

static void
print_ls(const struct net_def *v, size_t n, int quiet)
{
	struct err e = ERR_INIT;
	struct table t;
	char line[256], sid[13], *out;
	static const char fixed[][2][8] = { { "host", "host" },
	    { "none", "null" } };
	unsigned char dg[SHA256_LEN];
	char hex[SHA256_LEN * 2 + 1];
	size_t i;

	memset(&t, 0, sizeof(t));
	if (!quiet && table_add(&t, "NETWORK ID\tNAME\tDRIVER\tSCOPE", &e) < 0)
		die_err(&e, 1);
	for (i = 0; i < n; i++) {
		short_id(v[i].id, sid);
		if (quiet)
			snprintf(line, sizeof(line), "%s", sid);
		else
			snprintf(line, sizeof(line), "%s\t%s\tbridge\tlocal",
			    sid, v[i].name);
		if (table_add(&t, line, &e) < 0)
			die_err(&e, 1);
	}
	/* host and none: ids derived from their names */
	for (i = 0; i < 2; i++) {
		sha256_buf(fixed[i][0], strlen(fixed[i][0]), dg);
		sha256_hex(dg, hex);
		short_id(hex, sid);
		if (quiet)
			snprintf(line, sizeof(line), "%s", sid);
		else
			snprintf(line, sizeof(line), "%s\t%s\t%s\tlocal", sid,
			    fixed[i][0], fixed[i][1]);
		if (table_add(&t, line, &e) < 0)
			die_err(&e, 1);
	}
	out = table_render(&t, TABLE_MINWIDTH, TABLE_PADDING, &e);
	if (!out)
		die_err(&e, 1);
	fputs(out, stdout);
	free(out);
	table_free(&t);
}

static void
write_def(struct json_writer *w, const struct net_def *d)
{
	struct err e = ERR_INIT;
	struct net_lease *v = NULL;
	struct ctr c;
	char buf[64], t[64];
	size_t n = 0, i;

	json_writer_begin_object(w);
	json_writer_key(w, "Name");
	json_writer_string(w, d->name);
	json_writer_key(w, "Id");
	json_writer_string(w, d->id);
	json_writer_key(w, "Created");
	ctr_time_text(d->created_ns, t, sizeof(t));
	json_writer_string(w, t);
	json_writer_key(w, "Scope");
	json_writer_string(w, "local");
	json_writer_key(w, "Driver");
	json_writer_string(w, "bridge");
	json_writer_key(w, "EnableIPv6");
	json_writer_bool(w, 0);
	json_writer_key(w, "IPAM");
	json_writer_begin_object(w);
	json_writer_key(w, "Driver");
	json_writer_string(w, "default");
	json_writer_key(w, "Options");
	json_writer_null(w);
	json_writer_key(w, "Config");
	json_writer_begin_array(w);
	json_writer_begin_object(w);
	json_writer_key(w, "Subnet");
	net_subnet_text(d, buf, sizeof(buf));
	json_writer_string(w, buf);
	json_writer_key(w, "Gateway");
	net_ip_text(d->gateway, buf, sizeof(buf));
	json_writer_string(w, buf);
	json_writer_end_object(w);
	json_writer_end_array(w);
	json_writer_end_object(w);
	json_writer_key(w, "Internal");
	json_writer_bool(w, 0);
	json_writer_key(w, "Attachable");
	json_writer_bool(w, 0);
	json_writer_key(w, "Containers");
	json_writer_begin_object(w);
	if (net_leases(&rk.cfg, d, &v, &n, &e) < 0)
		warn_err(&e);
	for (i = 0; i < n; i++) {
		err_clear(&e);
		if (ctr_open(rk.cfg.state, v[i].ctr, &c, &e) < 0)
			continue;
		json_writer_key(w, c.id);
		json_writer_begin_object(w);
		json_writer_key(w, "Name");
		json_writer_string(w, c.name);
		json_writer_key(w, "MacAddress");
		json_writer_string(w, "");
		net_ip_text(v[i].ip, buf, sizeof(buf));
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "/%d",
		    d->prefix);
		json_writer_key(w, "IPv4Address");
		json_writer_string(w, buf);
		json_writer_key(w, "IPv6Address");
		json_writer_string(w, "");
		json_writer_end_object(w);
		ctr_close(&c);
	}
	free(v);
	json_writer_end_object(w);
	json_writer_key(w, "Options");
	json_writer_begin_object(w);
	json_writer_key(w, "com.docker.network.bridge.name");
	json_writer_string(w, d->bridge);
	json_writer_end_object(w);
	json_writer_key(w, "Labels");
	json_writer_begin_object(w);
	json_writer_end_object(w);
	json_writer_end_object(w);
}

static int
inspect(const struct opts *o)
{
	struct err e = ERR_INIT;
	struct json_writer w;
	struct net_def d;
	char *out;
	size_t len;
	int k, status = 0;

	if (o->argc < 2)
		die_msg(2, "inspect needs at least one network");
	json_writer_init(&w, 1);
	json_writer_begin_array(&w);
	for (k = 1; k < o->argc; k++) {
		if (net_lookup(&rk.cfg, o->argv[k], &d, &e) < 0) {
			warn_err(&e);
			err_clear(&e);
			status = 1;
			continue;
		}
		write_def(&w, &d);
	}
	json_writer_end_array(&w);
	out = json_writer_finish(&w, &len, &e);
	json_writer_free(&w);
	if (!out)
		die_err(&e, 1);
	printf("%s\n", out);
	free(out);
	return status;
}

int
network_main(int argc, char **argv)
{
	struct opts o;
	struct err e = ERR_INIT;
	struct net_def d, *list = NULL;
	const char *cmd, *drv;
	size_t n = 0;
	int k, status = 0;

	xopts(&o, network_spec, network_usage, argc, argv, 2);
	cmd = o.argv[0];
	if (strcmp(cmd, "create") == 0) {
		if (o.argc != 2)
			die_msg(2, "create needs exactly one network name");
		drv = opt_str(&o, "driver");
		if (drv && strcmp(drv, "bridge") != 0)
			die_msg(1, "only the bridge driver is supported");
		if (net_create(&rk.cfg, o.argv[1], opt_str(&o, "subnet"),
		    opt_str(&o, "gateway"), &d, &e) < 0)
			die_err(&e, 1);
		printf("%s\n", d.id);
	} else if (strcmp(cmd, "ls") == 0 || strcmp(cmd, "list") == 0) {
		if (net_list(&rk.cfg, &list, &n, &e) < 0)
			die_err(&e, 1);
		print_ls(list, n, opt_on(&o, "quiet"));
		free(list);
	} else if (strcmp(cmd, "inspect") == 0) {
		status = inspect(&o);
	} else if (strcmp(cmd, "rm") == 0 || strcmp(cmd, "remove") == 0) {
		if (o.argc < 2)
			die_msg(2, "rm needs at least one network");
		for (k = 1; k < o.argc; k++) {
			if (net_remove(&rk.cfg, o.argv[k], &e) < 0) {
				warn_err(&e);
				err_clear(&e);
				status = 1;
				continue;
			}
			printf("%s\n", o.argv[k]);
		}
	} else {
		die_msg(2, "unknown command %s (create, ls, inspect, rm)",
		    cmd);
	}
	opts_free(&o);
	return status;
}
