/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Builds, checks, writes and reads the status document that every interface of hwctl serves. */
#include <time.h>

#include "details.h"
#include "status.h"

json_object *status_document_build(const Board *board, const StatusProbe *probes, size_t n_probes,
                                   json_object *daemon_info)
{
        json_object *doc = json_object_new_object(), *arr = json_object_new_array();

        if (!doc || !arr) {
                json_object_put(doc);
                json_object_put(arr);
                return NULL;
        }
        json_object_object_add(doc, "version", json_object_new_int(STATUS_DOCUMENT_VERSION));
        json_object_object_add(doc, "updated_usec",
                               json_object_new_int64((int64_t)now_usec(CLOCK_REALTIME)));
        if (daemon_info)
                json_object_object_add(doc, "daemon", json_object_get(daemon_info));
        json_object_object_add(doc, "board", board ? board_to_json(board) : NULL);
        for (size_t i = 0; i < n_probes; i++) {
                json_object *p = probe_result_to_json(probes[i].name, probes[i].result);
                const char *state = probes[i].result    ? "done"
                                    : probes[i].running ? "running"
                                                        : "pending";
                json_object_object_add(p, "state", json_object_new_string(state));
                json_object_array_add(arr, p);
        }
        json_object_object_add(doc, "probes", arr);
        /* Strings from devices and device trees end up here; readers need them valid. */
        (void)json_make_printable(doc);
        return doc;
}

static int fail(char **ret_error, int r, const char *what)
{
        if (ret_error)
                *ret_error = strdup(what);
        return r;
}

int status_document_validate(json_object *doc, char **ret_error)
{
        json_object *v, *probes, *board;

        if (!json_object_is_type(doc, json_type_object))
                return fail(ret_error, -EBADMSG, "the status document is not a JSON object");
        if (!json_object_object_get_ex(doc, "version", &v) ||
            !json_object_is_type(v, json_type_int))
                return fail(ret_error, -EBADMSG, "the status document has no version");
        if (json_object_get_int(v) != STATUS_DOCUMENT_VERSION)
                return fail(ret_error, -EPROTONOSUPPORT,
                            "the status document has a version this hwctl does not know");
        if (!json_object_object_get_ex(doc, "board", &board) ||
            !(board == NULL || json_object_is_type(board, json_type_object)))
                return fail(ret_error, -EBADMSG, "the status document's board is not an object");
        if (!json_object_object_get_ex(doc, "probes", &probes) ||
            !json_object_is_type(probes, json_type_array))
                return fail(ret_error, -EBADMSG, "the status document has no probes array");
        for (size_t i = 0; i < json_object_array_length(probes); i++) {
                json_object *p = json_object_array_get_idx(probes, i), *n, *vd;
                if (!json_object_is_type(p, json_type_object) ||
                    !json_object_object_get_ex(p, "name", &n) ||
                    !json_object_is_type(n, json_type_string))
                        return fail(ret_error, -EBADMSG,
                                    "a probe in the status document has no name");
                if (json_object_object_get_ex(p, "verdict", &vd) && vd &&
                    verdict_from_string(json_object_get_string(vd)) < 0)
                        return fail(ret_error, -EBADMSG,
                                    "a probe in the status document has an unknown verdict");
        }
        return 0;
}

int status_snapshot_write(const char *sysroot, json_object *doc)
{
        _cleanup_free_ char *path = path_join_root(sysroot, STATUS_SNAPSHOT_PATH);
        const char *text;
        _cleanup_free_ char *buf = NULL;

        if (!path)
                return -ENOMEM;
        text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN);
        if (!text)
                return -ENOMEM;
        buf = strdup_printf("%s\n", text);
        if (!buf)
                return -ENOMEM;
        return write_file_atomic_in(sysroot, path, buf, strlen(buf), 0644);
}

int status_snapshot_read(const char *sysroot, json_object **ret, char **ret_error)
{
        _cleanup_free_ char *path = path_join_root(sysroot, STATUS_SNAPSHOT_PATH);
        _cleanup_free_ char *text = NULL;
        json_tokener *tok;
        json_object *doc;
        size_t size;
        int r;

        if (!path)
                return -ENOMEM;
        r = read_full_file(path, 4 * 1024 * 1024, &text, &size);
        if (r < 0) {
                if (ret_error)
                        *ret_error =
                                strdup_printf("cannot read %s: %s", path,
                                              r == -EBADFD ? "not a regular file" : strerror(-r));
                return r;
        }
        tok = json_tokener_new();
        if (!tok)
                return -ENOMEM;
        doc = json_tokener_parse_ex(tok, text, (int)size);
        if (!doc || json_tokener_get_error(tok) != json_tokener_success ||
            text[json_tokener_get_parse_end(tok) +
                 strspn(text + json_tokener_get_parse_end(tok), " \t\r\n")] != 0 ||
            strlen(text) != size) {
                if (ret_error)
                        *ret_error = strdup_printf(
                                "%s is not a valid JSON document: %s", path,
                                doc ? "trailing data"
                                    : json_tokener_error_desc(json_tokener_get_error(tok)));
                json_object_put(doc);
                json_tokener_free(tok);
                return -EBADMSG;
        }
        json_tokener_free(tok);
        r = status_document_validate(doc, ret_error);
        if (r < 0) {
                json_object_put(doc);
                return r;
        }
        /* Anyone who could write the file could put any bytes in it. */
        (void)json_make_printable(doc);
        *ret = doc;
        return 0;
}
