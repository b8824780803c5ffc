/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reads and writes hwctld's persistent state; a damaged file is refused, never half-trusted. */
#include <stdio.h>

#include "state.h"
#include "util.h"

#define STATE_VERSION  1
#define STATE_SIZE_MAX (64 * 1024)

void daemon_state_done(DaemonState *s)
{
        free(s->board);
        json_object_put(s->verdicts);
        *s = (DaemonState){};
}

static int refuse(char **ret_error, const char *path, const char *why)
{
        if (ret_error)
                *ret_error = strdup_printf("%s: %s", path, why);
        return -EBADMSG;
}

int daemon_state_load(const char *sysroot, DaemonState *ret, char **ret_error)
{
        _cleanup_free_ char *path = path_join_root(sysroot, STATE_FILE_PATH), *text = NULL;
        json_object *doc = NULL, *v, *first, *starts, *board = NULL, *verdicts = NULL;
        DaemonState s = {};
        size_t size;
        int r;

        if (!path)
                return -ENOMEM;
        r = read_full_file(path, STATE_SIZE_MAX, &text, &size);
        if (r == -ENOENT)
                return r;
        if (r < 0) {
                if (ret_error)
                        *ret_error = strdup_printf(
                                "%s: %s", path, r == -EBADFD ? "not a regular file" : strerror(-r));
                return r;
        }
        if (strlen(text) != size)
                return refuse(ret_error, path, "holds a NUL byte");
        doc = json_tokener_parse(text);
        if (!doc || !json_object_is_type(doc, json_type_object)) {
                json_object_put(doc);
                return refuse(ret_error, path, "is not a JSON object");
        }
        if (!json_object_object_get_ex(doc, "version", &v) ||
            !json_object_is_type(v, json_type_int) || json_object_get_int(v) != STATE_VERSION)
                r = refuse(ret_error, path, "has no version hwctld knows");
        else if (!json_object_object_get_ex(doc, "first_start_usec", &first) ||
                 !json_object_is_type(first, json_type_int) || json_object_get_int64(first) <= 0)
                r = refuse(ret_error, path, "has no valid first_start_usec");
        else if (!json_object_object_get_ex(doc, "starts", &starts) ||
                 !json_object_is_type(starts, json_type_int) || json_object_get_int64(starts) < 1)
                r = refuse(ret_error, path, "has no valid starts count");
        else if (json_object_object_get_ex(doc, "board", &board) && board &&
                 !json_object_is_type(board, json_type_string))
                r = refuse(ret_error, path, "has a board that is not a string");
        else if (json_object_object_get_ex(doc, "verdicts", &verdicts) && verdicts &&
                 !json_object_is_type(verdicts, json_type_object))
                r = refuse(ret_error, path, "has verdicts that are not an object");
        if (r < 0) {
                json_object_put(doc);
                return r;
        }
        s.first_start_usec = (uint64_t)json_object_get_int64(first);
        s.starts = (uint64_t)json_object_get_int64(starts);
        s.board = board ? strdup(json_object_get_string(board)) : NULL;
        s.verdicts = verdicts ? json_object_get(verdicts) : json_object_new_object();
        json_object_put(doc);
        if ((board && !s.board) || !s.verdicts) {
                daemon_state_done(&s);
                return -ENOMEM;
        }
        *ret = s;
        return 0;
}

int daemon_state_save(const char *sysroot, const DaemonState *s)
{
        _cleanup_free_ char *path = path_join_root(sysroot, STATE_FILE_PATH), *buf = NULL;
        json_object *doc = json_object_new_object();
        int r;

        if (!path || !doc) {
                json_object_put(doc);
                return -ENOMEM;
        }
        json_object_object_add(doc, "version", json_object_new_int(STATE_VERSION));
        json_object_object_add(doc, "first_start_usec",
                               json_object_new_int64((int64_t)s->first_start_usec));
        json_object_object_add(doc, "starts", json_object_new_int64((int64_t)s->starts));
        json_object_object_add(doc, "board", s->board ? json_object_new_string(s->board) : NULL);
        json_object_object_add(doc, "verdicts",
                               s->verdicts ? json_object_get(s->verdicts)
                                           : json_object_new_object());
        buf = strdup_printf("%s\n", json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY));
        json_object_put(doc);
        if (!buf)
                return -ENOMEM;
        r = write_file_atomic_in(sysroot, path, buf, strlen(buf), 0644);
        return r;
}

int daemon_state_set_aside(const char *sysroot)
{
        _cleanup_free_ char *path = path_join_root(sysroot, STATE_FILE_PATH);
        _cleanup_free_ char *aside = strdup_printf("%s.broken", strrchr(STATE_FILE_PATH, '/') + 1);

        if (!path || !aside)
                return -ENOMEM;
        return rename_in(sysroot, path, aside);
}
