/*
 * save-image.c: give a libvirt QEMU save image another domain's name and
 * UUID. libvirt restores an image only under the name and UUID it was
 * saved with (even with a new XML: "Target domain uuid ... does not match
 * source"), so a warm image, saved once, is retargeted before each
 * workspace is restored from it. Only the header and its XML change; the
 * new XML is then checked by libvirt itself against the saved one when
 * the restore is given the workspace's XML.
 *
 * The layout (libvirt's qemu_saveimage.h, stable since 2011): a 92-byte
 * header "LibvirtQemudSave", version, data length, was-running,
 * compressed, cookie offset, 14 unused words, all little-endian on x86;
 * then data length bytes: the domain XML, a NUL, the cookie XML, a NUL,
 * zero padding; then QEMU's migration stream.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vm.h"
#include "vm-xml.h"
#include "warm.h"

#define SAVE_MAGIC "LibvirtQemudSave"
#define SAVE_HEADER 92
#define SAVE_DATA_MAX (16u << 20)

static uint32_t
le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void
put_le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

/* xml with the text of its first <tag> replaced by value (escaped). */
static int
replace_element(struct strbuf *xml, const char *tag, const char *value)
{
	char *open = xasprintf("<%s>", tag), *close = xasprintf("</%s>", tag);
	char *a = strstr(xml->buf, open), *b = a ? strstr(a, close) : NULL;
	struct strbuf out = STRBUF_INIT;
	int ret = -1;

	if (a && b) {
		a += strlen(open);
		sb_add(&out, xml->buf, (size_t)(a - xml->buf));
		xml_escape(&out, value);
		sb_addstr(&out, b);
		sb_release(xml);
		*xml = out;
		ret = 0;
	}
	free(open);
	free(close);
	return ret;
}

int
save_image_retarget(struct vm_conn *v, const char *vol, const char *name,
		    const char *uuid)
{
	unsigned char head[SAVE_HEADER];
	unsigned char *whole = NULL, *data;
	struct strbuf xml = STRBUF_INIT;
	uint32_t len, cookie_at;
	size_t cookie_len;
	int ret = -1;

	if (vm_volume_read_at(v, vol, 0, head, sizeof(head)) < 0)
		return -1;
	len = le32(head + 20);
	cookie_at = le32(head + 32);
	if (memcmp(head, SAVE_MAGIC, 16) || le32(head + 16) != 2 ||
	    le32(head + 28) != 0 || len > SAVE_DATA_MAX || cookie_at >= len)
		return err_set("'%s' is not an uncompressed libvirt save image "
			       "of version 2", vol);
	/* header and data, written back in one piece */
	whole = xmalloc(SAVE_HEADER + len + 1);
	data = whole + SAVE_HEADER;
	if (vm_volume_read_at(v, vol, SAVE_HEADER, data, len) < 0)
		goto out;
	data[len] = '\0';
	sb_addstr(&xml, (char *)data);
	cookie_len = strnlen((char *)data + cookie_at, len - cookie_at);
	if (xml.len + 1 > cookie_at || cookie_at + cookie_len >= len) {
		err_set("the save image '%s' is damaged", vol);
		goto out;
	}
	if (replace_element(&xml, "name", name) < 0 ||
	    replace_element(&xml, "uuid", uuid) < 0) {
		err_set("the save image '%s' names no domain", vol);
		goto out;
	}
	if (xml.len + 1 + cookie_len + 1 > len) {
		err_set("the new name does not fit in the save image '%s'", vol);
		goto out;
	}
	/* the new XML, then the cookie moved up behind it, then zeros */
	memmove(data + xml.len + 1, data + cookie_at, cookie_len + 1);
	memcpy(data, xml.buf, xml.len + 1);
	memset(data + xml.len + 1 + cookie_len + 1, 0,
	       len - (xml.len + 1 + cookie_len + 1));
	put_le32(head + 32, (uint32_t)(xml.len + 1));
	memcpy(whole, head, SAVE_HEADER);
	if (vm_volume_write_at(v, vol, 0, whole, SAVE_HEADER + len) < 0)
		goto out;
	ret = 0;
out:
	free(whole);
	sb_release(&xml);
	return ret;
}
