/* defaults.h - compile-time defaults, overridden at run time by the config
 * file and then by the environment (see docs/config.md).
 */
#ifndef ROCKER_DEFAULTS_H
#define ROCKER_DEFAULTS_H

static const char DEFAULT_ROOT[] = "/var/lib/rocker";	/* image store */
static const char DEFAULT_STATE[] = "/var/lib/rocker"; /* containers/ */
static const char DEFAULT_CONFIG[] = "/etc/rocker/config.json";
static const char DEFAULT_REGISTRY[] = "docker.io";
/* Registry mirrors for Docker Hub, tried in order before it (none). */
static const char *const DEFAULT_MIRRORS[] = { NULL };
/* Registries reached over plain HTTP; 127.0.0.0/8 and ::1 always are. */
static const char *const DEFAULT_INSECURE[] = { NULL };
static const char DEFAULT_BRIDGE[] = "rocker0";
/* Clear of Docker's 172.17.0.0/16 and podman's 10.88.0.0/16. */
static const char DEFAULT_SUBNET[] = "10.77.0.0/16";
static const char DEFAULT_DRIVER[] = "";		/* "" = probe */
/* Containers' cgroups are PARENT/<id> in every hierarchy (Docker's
 * cgroupfs driver uses /docker). */
static const char DEFAULT_CGROUP_PARENT[] = "/rocker";
/* Per-registry CA certificates, DIR/HOST[:PORT]/ *.crt, as Docker's
 * /etc/docker/certs.d (which is consulted too). */
static const char DEFAULT_CERTS_DIR[] = "/etc/rocker/certs.d";
enum {
	DEFAULT_MAX_DOWNLOADS = 3,
};

#endif
