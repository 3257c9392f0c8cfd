/* xml.c: XPath over small XML documents, with libxml2. */

#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <pthread.h>
#include <string.h>

#include "util.h"
#include "xml.h"

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void
init(void)
{
	xmlInitParser();	/* once, before any thread parses */
}

/* Evaluate xpath in xml; calls each(value, arg) for every node selected
 * until it returns nonzero, and returns that, or 0. */
static int
each_value(const char *xml, const char *xpath,
	   int (*each)(const char *value, void *arg), void *arg)
{
	xmlDocPtr doc;
	xmlXPathContextPtr ctx = NULL;
	xmlXPathObjectPtr res = NULL;
	int i, r = 0;

	pthread_once(&init_once, init);
	if (!xml || !(doc = xmlReadMemory(xml, (int)strlen(xml), "libvirt.xml",
					  NULL, XML_PARSE_NONET |
					  XML_PARSE_NOERROR |
					  XML_PARSE_NOWARNING)))
		return 0;
	if ((ctx = xmlXPathNewContext(doc)) &&
	    (res = xmlXPathEvalExpression((const xmlChar *)xpath, ctx)) &&
	    res->type == XPATH_NODESET && res->nodesetval)
		for (i = 0; !r && i < res->nodesetval->nodeNr; i++) {
			xmlChar *v = xmlXPathCastNodeToString(
				res->nodesetval->nodeTab[i]);

			r = each((const char *)v, arg);
			xmlFree(v);
		}
	xmlXPathFreeObject(res);
	xmlXPathFreeContext(ctx);
	xmlFreeDoc(doc);
	return r;
}

static int
take_first(const char *value, void *arg)
{
	*(char **)arg = xstrdup(value);
	return 1;
}

char *
xml_first(const char *xml, const char *xpath)
{
	char *out = NULL;

	each_value(xml, xpath, take_first, &out);
	return out;
}

static int
equals(const char *value, void *arg)
{
	return !strcmp(value, arg);
}

int
xml_any_equals(const char *xml, const char *xpath, const char *value)
{
	return each_value(xml, xpath, equals, (void *)value);
}

static int
take_each(const char *value, void *arg)
{
	strlist_push(arg, value);
	return 0;
}

void
xml_all(const char *xml, const char *xpath, struct strlist *out)
{
	each_value(xml, xpath, take_each, out);
}
