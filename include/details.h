/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Adding facts to a probe's details object, under one rule for every probe: a fact that is not
 * known (a NULL string) is left out, never stored as null, so a reader asks "is the key there"
 * the same way of every probe's details. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

void details_add_str(json_object *o, const char *key, const char *value);
void details_add_int(json_object *o, const char *key, int64_t value);
/* Saturates at INT64_MAX, the largest integer JSON readers keep exactly as json-c writes it. */
void details_add_u64(json_object *o, const char *key, uint64_t value);
void details_add_bool(json_object *o, const char *key, bool value);
/* An array of strings; a NULL list is left out, an empty one is []. */
void details_add_strv(json_object *o, const char *key, char *const *l);
/* n bytes from a device (a controller's name, a label): as printable UTF-8 under key, and when
 * that had to change them, the bytes themselves in hex under key_hex. */
void details_add_text(json_object *o, const char *key, const void *data, size_t n);

/* Makes every string in o, and every key, valid printable UTF-8 (utf8_printable()): the one
 * place a status document passes before D-Bus (which refuses invalid UTF-8 in an 's') and the
 * snapshot see it. Returns how many it changed. */
size_t json_make_printable(json_object *o);
