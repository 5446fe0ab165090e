/* ports_test.c - the -p parser, ExposedPorts keys and the PortBindings
 * writer of core/ports (no sockets, no rules) */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "json.h"
#include "ports.h"

/* Parse `spec` alone: the number of mappings, or -1. */
static int
parse(const char *spec, struct port_map **v)
{
	struct err e = ERR_INIT;
	size_t n = 0;

	*v = NULL;
	if (ports_parse(spec, v, &n, &e) < 0)
		return -1;
	return (int)n;
}

static int
map_is(const struct port_map *m, const char *ip, unsigned hp, unsigned hi,
    unsigned cp, int proto)
{
	struct in_addr a;

	a.s_addr = 0;
	if (ip)
		inet_pton(AF_INET, ip, &a);
	return m->host_ip == a.s_addr && m->host_port == hp &&
	    m->host_hi == hi && m->ctr_port == cp && m->proto == proto;
}

static void
bad(const char *spec, const char *msg)
{
	struct err e = ERR_INIT;
	struct port_map *v = NULL;
	size_t n = 0;

	CHECK(ports_parse(spec, &v, &n, &e) < 0 && n == 0 &&
	    strcmp(e.msg, msg) == 0, "refused: %s (%s)", spec, e.msg);
	free(v);
}

int
main(void)
{
	struct port_map *v;
	struct err e = ERR_INIT;
	struct json_writer w;
	size_t n, len;
	char *out;

	CHECK(parse("80", &v) == 1 && map_is(&v[0], NULL, 0, 0, 80,
	    IPPROTO_TCP), "80: a random host port");
	free(v);
	CHECK(parse("8080:80", &v) == 1 && map_is(&v[0], NULL, 8080, 0, 80,
	    IPPROTO_TCP), "8080:80");
	free(v);
	CHECK(parse("127.0.0.1:8080:80/udp", &v) == 1 && map_is(&v[0],
	    "127.0.0.1", 8080, 0, 80, IPPROTO_UDP), "IP:HOST:CTR/udp");
	free(v);
	CHECK(parse("127.0.0.1::80", &v) == 1 && map_is(&v[0], "127.0.0.1",
	    0, 0, 80, IPPROTO_TCP), "IP::CTR");
	free(v);
	CHECK(parse("8000-8002:80-82/tcp", &v) == 3 &&
	    map_is(&v[0], NULL, 8000, 0, 80, IPPROTO_TCP) &&
	    map_is(&v[2], NULL, 8002, 0, 82, IPPROTO_TCP), "ranges");
	free(v);
	CHECK(parse("80-81", &v) == 2 && map_is(&v[1], NULL, 0, 0, 81,
	    IPPROTO_TCP), "a container range alone");
	free(v);
	CHECK(parse("8000-8010:80", &v) == 1 && map_is(&v[0], NULL, 8000,
	    8010, 80, IPPROTO_TCP), "a host range for one port");
	free(v);
	bad("80:x", "invalid containerPort: x");
	bad("x:80", "invalid hostPort: x");
	bad("0", "invalid containerPort: 0");
	bad("65536", "invalid containerPort: 65536");
	bad("82-80", "invalid containerPort: 82-80");
	bad("1-3:80-81", "invalid ranges specified for container and host "
	    "Ports: 80-81 and 1-3");
	bad("1.2.3:80:80", "invalid IP address: 1.2.3");
	bad("a:b:c:80", "invalid port specification: \"a:b:c:80\"");
	bad("80/sctp", "sctp ports are not supported");
	bad("80/icmp", "invalid proto: icmp");
	bad("[::1]:80:80", "IPv6 host addresses are not supported: "
	    "[::1]:80:80");
	bad("", "invalid containerPort: ");
	bad("1-2000", "more than 1024 published ports");

	/* Appending keeps what was there. */
	v = NULL;
	n = 0;
	CHECK(ports_parse("1:2", &v, &n, &e) == 0 &&
	    ports_parse("3:4/udp", &v, &n, &e) == 0 && n == 2 &&
	    map_is(&v[0], NULL, 1, 0, 2, IPPROTO_TCP) &&
	    map_is(&v[1], NULL, 3, 0, 4, IPPROTO_UDP), "appends");
	CHECK(ports_parse("bad", &v, &n, &e) < 0 && n == 2,
	    "a failure leaves the array");
	free(v);

	v = NULL;
	n = 0;
	CHECK(ports_parse_exposed("80/tcp", &v, &n, &e) == 0 &&
	    ports_parse_exposed("53/udp", &v, &n, &e) == 0 &&
	    ports_parse_exposed("7/sctp", &v, &n, &e) == 0 &&
	    ports_parse_exposed("9000-9001", &v, &n, &e) == 0 && n == 4 &&
	    map_is(&v[1], NULL, 0, 0, 53, IPPROTO_UDP) &&
	    map_is(&v[3], NULL, 0, 0, 9001, IPPROTO_TCP),
	    "ExposedPorts keys (sctp skipped)");
	free(v);

	v = NULL;
	n = 0;
	ports_parse("127.0.0.1:8080:80", &v, &n, &e);
	ports_parse("8081:80", &v, &n, &e);
	ports_parse("53/udp", &v, &n, &e);
	ports_parse("9000-9009:90", &v, &n, &e);
	json_writer_init(&w, 0);
	ports_write_bindings(&w, v, n);
	out = json_writer_finish(&w, &len, &e);
	json_writer_free(&w);
	CHECK(out && strcmp(out, "{\"80/tcp\":[{\"HostIp\":\"127.0.0.1\","
	    "\"HostPort\":\"8080\"},{\"HostIp\":\"\",\"HostPort\":\"8081\"}],"
	    "\"53/udp\":[{\"HostIp\":\"\",\"HostPort\":\"\"}],"
	    "\"90/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"9000-9009\"}]}") == 0,
	    "PortBindings in Docker's shape: %s", out ? out : "(null)");
	free(out);
	free(v);
	return check_done();
}
