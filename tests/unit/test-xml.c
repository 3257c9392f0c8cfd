/* test-xml.c: reading libvirt's XML by XPath, as the VM module does. */

#include <stdlib.h>

#include "tap.h"
#include "util.h"
#include "xml.h"

/* the shape of a live domain: a folder plugged, two disks, and a comment
 * and a text that hold the same words, which a text search would take */
static const char domain[] =
	"<domain type='qemu'><name>w</name>"
	"<description>target dir='shared0'; target dev='vdz'</description>"
	"<devices>"
	"<disk type='file' device='disk'><target dev='vda' bus='virtio'/></disk>"
	"<!-- <disk><target dev='hdx'/></disk> -->"
	"<disk type='file' device='cdrom'><target dev='sda' bus='sata'/></disk>"
	"<filesystem type='mount'><target dir='workspace'/></filesystem>"
	"</devices></domain>";

int
main(void)
{
	struct strlist devs = { 0 };
	char *name;

	xml_all(domain, "/domain/devices/disk/target/@dev", &devs);
	is_int((int)devs.n, 2, "every disk's target, and no other");
	ok(devs.n == 2 && !strcmp(devs.v[0], "vda") &&
	   !strcmp(devs.v[1], "sda"), "in document order");
	strlist_release(&devs);

	ok(xml_any_equals(domain, "/domain/devices/filesystem/target/@dir",
			  "workspace"), "the plugged folder is seen");
	ok(!xml_any_equals(domain, "/domain/devices/filesystem/target/@dir",
			   "shared0"), "a folder named only in text is not");

	name = xml_first(domain, "/domain/name");
	is_str(name, "w", "the first node's value");
	free(name);

	xml_all("<domain><unclosed></domain>", "//@dev", &devs);
	is_int((int)devs.n, 0, "XML that does not parse gives nothing");
	xml_all(NULL, "//@dev", &devs);
	is_int((int)devs.n, 0, "no XML gives nothing");
	ok(xml_first(domain, "/domain/nothing") == NULL, "no node: NULL");
	return done_testing();
}
