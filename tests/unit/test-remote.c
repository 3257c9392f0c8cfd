/* test-remote.c: a vm.uri read as libvirt's ssh transport reads it, and
 * the ssh arguments berth's own connection to that host takes. */

#include <stdlib.h>

#include "remote.h"
#include "tap.h"
#include "util.h"

/* the arguments joined by spaces, for comparing */
static char *
joined(const char *uri)
{
	struct strlist argv = { 0 };
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	if (remote_ssh_argv(uri, &argv) < 0)
		return NULL;
	for (i = 0; i < argv.n; i++)
		sb_addf(&sb, "%s%s", i ? " " : "", argv.v[i]);
	strlist_release(&argv);
	return sb_detach(&sb);
}

int
main(void)
{
	struct remote_uri r;
	char *s;

	ok(!vm_uri_remote("qemu:///system"), "qemu:///system is local");
	ok(!vm_uri_remote("qemu+unix:///system"), "so is qemu+unix:///");
	ok(!vm_uri_remote("test:///default"), "and the test driver");
	ok(vm_uri_remote("qemu+ssh://h/system"), "a host makes it remote");

	is_int(remote_uri_parse("qemu+ssh://root@big-host:2222/system?"
				"keyfile=/k%20eys/id&no_verify=1&mode=direct",
				&r), 1, "a full ssh URI");
	is_str(r.transport, "ssh", "its transport");
	is_str(r.user, "root", "its user");
	is_str(r.host, "big-host", "its host");
	is_str(r.port, "2222", "its port");
	is_str(r.keyfile, "/k eys/id", "keyfile, %%-decoded");
	is_int(r.no_verify, 1, "no_verify");
	remote_uri_release(&r);

	is_int(remote_uri_parse("qemu+ssh://[::1]:22/system", &r), 1,
	       "an IPv6 host");
	is_str(r.host, "::1", "without its brackets");
	is_str(r.port, "22", "and its port");
	ok(!r.user, "no user");
	remote_uri_release(&r);

	is_int(remote_uri_parse("qemu://h/system", &r), 1,
	       "no transport given");
	is_str(r.transport, "tls", "is libvirt's default, tls");
	remote_uri_release(&r);

	/* what ssh would read as an option is not a host or a user */
	ok(remote_uri_parse("qemu+ssh://-oProxyCommand=x/system", &r) < 0,
	   "a host that starts with '-' is refused");
	ok(remote_uri_parse("qemu+ssh://-oX@h/system", &r) < 0,
	   "so is such a user");
	ok(remote_uri_parse("qemu+ssh://h:22x/system", &r) < 0,
	   "a port that is not a number");
	ok(remote_uri_parse("qemu+ssh://@h/system", &r) < 0, "an empty user");
	ok(remote_uri_parse("qemu+ssh://h/system?keyfile=%zz", &r) < 0,
	   "a bad %%-escape");
	ok(remote_uri_parse("qemu+ssh://h/system?keyfile=a%00b", &r) < 0,
	   "a NUL in a parameter");
	err_clear();

	s = joined("qemu+ssh://root@h:2222/system?keyfile=/k&no_verify=1");
	is_str(s, "-o BatchMode=yes -p 2222 -l root -i /k -o "
	       "UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no "
	       "-o LogLevel=ERROR h", "ssh's arguments: the host comes last");
	free(s);
	s = joined("qemu+ssh://h/system?known_hosts=/kh");
	is_str(s, "-o BatchMode=yes -o UserKnownHostsFile=/kh -o "
	       "LogLevel=ERROR h", "known_hosts is kept, and checked");
	free(s);
	ok(!joined("qemu+tls://h/system"), "a tls URI has no SSH to forward "
	   "ports over");
	ok(err_msg() && strstr(err_msg(), "over \"tls\""), "and says so");
	err_clear();
	ok(!joined("qemu:///system"), "nor has a local one");
	err_clear();

	{
		struct port_spec udp = { "127.0.0.1", 0, 53, PROTO_UDP, 7, 0 };
		struct ws ws = { 0 };

		ws.file = "Berthfile";
		ws.vm.uri = "qemu+ssh://h/system";
		ok(remote_check(&ws) == 0, "a remote VM on user networking");
		ws.vm.network = NET_NAT;
		ok(remote_check(&ws) < 0 && strstr(err_msg(), "nat"),
		   "on the host's NAT network it is refused");
		err_clear();
		ws.vm.network = NET_USER;
		ws.vm.ports = &udp;
		ws.vm.nports = 1;
		ok(remote_check(&ws) < 0 && strstr(err_msg(), "Berthfile:7"),
		   "so is a UDP port, at its line");
		err_clear();
		ws.vm.nports = 0;
		ws.vm.uri = "qemu+tls://h/system";
		ok(remote_check(&ws) < 0, "and a host reached over tls");
		err_clear();
	}

	printf("1..%d\n", tap_n);
	return tap_failed != 0;
}
