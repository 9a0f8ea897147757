/* SPDX-License-Identifier: Apache-2.0 */
/* fl_ini_read: the INI line reader behind fl_ini_parse, without a line limit. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "fl_ini_int.h"

/*
 * It reads the dialect that libinih (r55, Debian's build) reads, so specs
 * and configs mean what they meant, but lines are not cut at 200 bytes:
 * a list of any length fits on one line. The dialect: ';' or '#' starts a
 * comment line; ';' after a blank starts an inline comment; '[name]' opens
 * a section; 'key = value' or 'key: value' sets a key; an indented
 * non-blank line after a key continues it (the handler is called again
 * with the same key); blank lines and comments do not end a key.
 */

static char *ini_rstrip(char *s)
{
	char *e = s + strlen(s);

	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static char *ini_lskip(char *s)
{
	while (*s && isspace((unsigned char)*s))
		s++;
	return s;
}

/* First of chars in s, or an inline comment (';' after a blank), or the end. */
static char *ini_find(char *s, const char *chars)
{
	int was_space = 0;

	while (*s && (!chars || !strchr(chars, *s)) && !(was_space && *s == ';')) {
		was_space = isspace((unsigned char)*s);
		s++;
	}
	return s;
}

/* Calls h for one non-comment line; returns 0 or -1 (syntax or handler). */
static int ini_line(char *line, char *start, char *section, size_t seccap,
		    char *prev, size_t prevcap, ini_handler h, void *user)
{
	char *end, *name, *value;

	if (*prev && start > line) {
		end = ini_find(start, NULL);
		*end = '\0';
		ini_rstrip(start);
		return h(user, section, prev, start) ? 0 : -1;
	}
	if (*start == '[') {
		end = ini_find(start + 1, "]");
		if (*end != ']')
			return -1;
		*end = '\0';
		snprintf(section, seccap, "%s", start + 1);
		*prev = '\0';
		return 0;
	}
	end = ini_find(start, "=:");
	if (*end != '=' && *end != ':')
		return -1;
	*end = '\0';
	name = ini_rstrip(start);
	value = end + 1;
	end = ini_find(value, NULL);
	*end = '\0';
	value = ini_rstrip(ini_lskip(value));
	snprintf(prev, prevcap, "%s", name);
	return h(user, section, name, value) ? 0 : -1;
}

int fl_ini_read(char *text, ini_handler h, void *user)
{
	char section[FL_INI_MAX_NAME] = "", prev[FL_INI_MAX_NAME] = "";
	char *line = text, *nl;
	int lineno = 0, error = 0;

	if (strncmp(line, "\xEF\xBB\xBF", 3) == 0)
		line += 3;
	for (; line != NULL; line = nl) {
		char *start;

		lineno++;
		nl = strchr(line, '\n');
		if (nl != NULL)
			*nl++ = '\0';
		else if (*line == '\0')
			break;
		start = ini_lskip(ini_rstrip(line));
		if (*start == '\0' || *start == ';' || *start == '#')
			continue;
		if (ini_line(line, start, section, sizeof(section), prev, sizeof(prev),
			     h, user) != 0 && error == 0)
			error = lineno;
	}
	return error;
}
