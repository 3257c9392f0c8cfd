/* xml.h: reading the XML libvirt hands back (domain, volume, metadata)
 * with libxml2, not by searching its text. */

#ifndef BERTH_XML_H
#define BERTH_XML_H

/* The string value of the first node xpath selects in xml, or NULL when
 * none does (or xml does not parse). To free. */
char *xml_first(const char *xml, const char *xpath);
/* 1 when a node xpath selects has the string value value, else 0. */
int xml_any_equals(const char *xml, const char *xpath, const char *value);
/* Appends the string value of every node xpath selects to out, in
 * document order. */
struct strlist;
void xml_all(const char *xml, const char *xpath, struct strlist *out);

#endif
