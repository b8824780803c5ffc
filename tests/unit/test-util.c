/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The shared helpers: sysroot paths, lists, sizes, and atomic writes. */
#include <stdio.h>
#include <sys/stat.h>

#include "details.h"
#include "test-util.h"
#include "util.h"

static void test_path_join_root(void)
{
        char *p;

        p = path_join_root("/", "/proc/device-tree");
        ASSERT_STR_EQ(p, "/proc/device-tree");
        free(p);
        p = path_join_root(NULL, "run/hwctl");
        ASSERT_STR_EQ(p, "/run/hwctl");
        free(p);
        p = path_join_root("/tmp/root//", "//sys/class");
        ASSERT_STR_EQ(p, "/tmp/root/sys/class");
        free(p);
        p = path_join_root("/tmp/root", "");
        ASSERT_STR_EQ(p, "/tmp/root");
        free(p);
}

static void test_strv_split(void)
{
        char **l = NULL, *j;

        ASSERT_INT_EQ(strv_split_whitespace("  wired \t wireless\nwlan0 ", &l), 0);
        ASSERT_INT_EQ(strv_length(l), 3);
        j = strv_join(l, ",");
        ASSERT_STR_EQ(j, "wired,wireless,wlan0");
        ASSERT_TRUE(strv_contains(l, "wlan0"));
        ASSERT_FALSE(strv_contains(l, "eth0"));
        free(j);
        strv_free(l);
        ASSERT_INT_EQ(strv_split_whitespace("   ", &l), 0);
        ASSERT_INT_EQ(strv_length(l), 0);
        strv_free(l);
}

static void test_format(void)
{
        char *s;

        s = format_bytes(512);
        ASSERT_STR_EQ(s, "512 B");
        free(s);
        s = format_bytes(448ULL << 20);
        ASSERT_STR_EQ(s, "448 MiB");
        free(s);
        s = format_bytes((uint64_t)(1.9 * (1ULL << 30)));
        ASSERT_STR_EQ(s, "1.9 GiB");
        free(s);
        s = format_duration(4200000);
        ASSERT_STR_EQ(s, "4.2 s");
        free(s);
        s = format_duration(830 * USEC_PER_MSEC);
        ASSERT_STR_EQ(s, "830 ms");
        free(s);
}

static char *fmt_errno(int error, const char *fmt, ...)
{
        va_list ap;
        char *s;

        va_start(ap, fmt);
        s = strdup_vprintf_errno(error, fmt, ap);
        va_end(ap);
        return s;
}

static void test_errno_format(void)
{
        char *s = fmt_errno(-EACCES, "open %s: %m (100%%)", "/dev/x");
        ASSERT_STR_EQ(s, "open /dev/x: Permission denied (100%)");
        free(s);
        s = fmt_errno(0, "%d%%", 5);
        ASSERT_STR_EQ(s, "5%");
        free(s);
}

static void test_write_atomic(void)
{
        char dir[] = "/tmp/hwctl-test-util-XXXXXX", path[256], *back = NULL;
        struct stat st;
        size_t n;

        ASSERT_NOT_NULL(mkdtemp(dir));
        snprintf(path, sizeof path, "%s/a/b/state.json", dir);
        ASSERT_INT_EQ(write_file_atomic(path, "one", 3, 0600), 0);
        ASSERT_INT_EQ(write_file_atomic(path, "second", 6, 0644), 0);
        ASSERT_INT_EQ(read_full_file(path, 100, &back, &n), 0);
        ASSERT_STR_EQ(back, "second");
        ASSERT_INT_EQ(n, 6);
        ASSERT_INT_EQ(stat(path, &st), 0);
        ASSERT_INT_EQ(st.st_mode & 0777, 0644);
        free(back);
        /* Too big for the caller's limit: refused, not truncated. */
        ASSERT_INT_EQ(read_full_file(path, 3, &back, &n), -EFBIG);
}

/* Inside a root owned by someone else: a planted directory symlink, relative or absolute, never
 * sends the write out of the root; a symlink at the file's own name is replaced, not followed;
 * paths that leave the root are refused. */
static void test_write_atomic_in_root(void)
{
        char root[] = "/tmp/hwctl-test-root-XXXXXX", out[] = "/tmp/hwctl-test-out-XXXXXX";
        _cleanup_free_ char *run = NULL, *lib = NULL, *victim = NULL, *state = NULL, *status = NULL,
                            *escaped = NULL, *back = NULL;
        struct stat st;

        ASSERT_NOT_NULL(mkdtemp(root));
        ASSERT_NOT_NULL(mkdtemp(out));
        run = strdup_printf("%s/run", root);
        lib = strdup_printf("%s/var/lib/hwctl", root);
        victim = strdup_printf("%s/victim", out);
        state = strdup_printf("%s/var/lib/hwctl/state.json", root);
        status = strdup_printf("%s/run/hwctl/status.json", root);
        escaped = strdup_printf("%s/hwctl/status.json", out);
        ASSERT_INT_EQ(symlink(out, run), 0); /* /run -> a directory outside */
        ASSERT_TRUE(write_file_atomic_in(root, status, "x", 1, 0644) < 0);
        ASSERT_TRUE(access(escaped, F_OK) < 0);
        ASSERT_INT_EQ(unlink(run), 0);
        ASSERT_INT_EQ(symlink("../../../../../../../..", run), 0); /* climbs out, relatively */
        (void)write_file_atomic_in(root, status, "x", 1, 0644);
        ASSERT_TRUE(access("/hwctl/status.json", F_OK) < 0);

        ASSERT_INT_EQ(mkdir_parents(state, 0755), 0);
        ASSERT_INT_EQ(write_file_atomic(victim, "keep", 4, 0600), 0);
        ASSERT_INT_EQ(symlink(victim, state), 0); /* the file itself -> a file outside */
        ASSERT_INT_EQ(write_file_atomic_in(root, state, "new", 3, 0644), 0);
        ASSERT_INT_EQ(read_full_file(victim, 100, &back, NULL), 0);
        ASSERT_STR_EQ(back, "keep");
        ASSERT_INT_EQ(lstat(state, &st), 0);
        ASSERT_TRUE(S_ISREG(st.st_mode));
        free(back);
        back = NULL;
        ASSERT_INT_EQ(read_full_file(state, 100, &back, NULL), 0);
        ASSERT_STR_EQ(back, "new");

        /* Not inside root, or with .. on the way: refused before anything is opened. */
        ASSERT_INT_EQ(write_file_atomic_in(root, victim, "x", 1, 0644), -EINVAL);
        _cleanup_free_ char *dotdot = strdup_printf("%s/var/../../x", root);
        ASSERT_INT_EQ(write_file_atomic_in(root, dotdot, "x", 1, 0644), -EINVAL);
        ASSERT_INT_EQ(rename_in(root, state, "state.json.broken"), 0);
        ASSERT_INT_EQ(unlink_in(root, lib), -EISDIR);
        (void)lib;
}

/* A FIFO, a directory or a device where a file is expected: refused at once, never waited on
 * (alarm() turns a hang into a failure). */
static void test_read_refuses_what_is_not_a_file(void)
{
        char dir[] = "/tmp/hwctl-test-util-XXXXXX", fifo[256], *back = NULL;

        ASSERT_NOT_NULL(mkdtemp(dir));
        snprintf(fifo, sizeof fifo, "%s/state.json", dir);
        ASSERT_INT_EQ(mkfifo(fifo, 0600), 0);
        alarm(10);
        ASSERT_INT_EQ(read_full_file(fifo, 100, &back, NULL), -EBADFD);
        ASSERT_INT_EQ(read_full_file(dir, 100, &back, NULL), -EISDIR);
        ASSERT_INT_EQ(read_full_file("/dev/null", 100, &back, NULL), -EBADFD);
        alarm(0);
        ASSERT_NULL(back);
        unlink(fifo);
        rmdir(dir);
}

/* Every kind of bad byte sequence, each turned into \xNN text, the good ones around it kept. */
static void test_utf8_printable(void)
{
        const struct {
                const char *in;
                size_t n;
                const char *out;
        } cases[] = {
                {"plain", 5, "plain"},
                {"tab\tand\nnewline", 15, "tab\tand\nnewline"},
                {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8e\xb5", 14,
                 "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8e\xb5"},
                {"Caf\xe9", 4, "Caf\\xe9"},                      /* Latin-1 */
                {"\x1b[2J", 4, "\\x1b[2J"},                      /* escape */
                {"a\rb", 3, "a\\x0db"},                          /* CR */
                {"a\x7f", 2, "a\\x7f"},                          /* DEL */
                {"\xc2\x85", 2, "\\xc2\\x85"},                   /* C1 NEL */
                {"\xc0\xaf", 2, "\\xc0\\xaf"},                   /* overlong '/' */
                {"\xe0\x80\xaf", 3, "\\xe0\\x80\\xaf"},          /* overlong, 3 bytes */
                {"\xed\xa0\x80", 3, "\\xed\\xa0\\x80"},          /* a surrogate */
                {"\xf4\x90\x80\x80", 4, "\\xf4\\x90\\x80\\x80"}, /* past U+10FFFF */
                {"\xe2\x82", 2, "\\xe2\\x82"},                   /* truncated */
                {"\xff\xfe", 2, "\\xff\\xfe"},
                {"a\0b", 3, "a\\x00b"}, /* NUL inside */
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *out = utf8_printable(cases[i].in, cases[i].n);

                ASSERT_STR_EQ(out, cases[i].out);
                ASSERT_TRUE(utf8_is_printable(out, strlen(out)));
                ASSERT_TRUE(utf8_is_printable(cases[i].in, cases[i].n) ==
                            (strcmp(cases[i].in, cases[i].out) == 0 && i < 3));
        }
        ASSERT_TRUE(utf8_is_valid_n("\xc3\xa9", 2));
        ASSERT_TRUE(!utf8_is_valid_n("\xc3", 1));
}

/* A document with bad strings at every depth, and a bad key: all made printable, once. */
static void test_json_make_printable(void)
{
        json_object *doc = json_object_new_object(), *arr = json_object_new_array(),
                    *inner = json_object_new_object(), *v;
        _cleanup_free_ char *bad_key = strdup("k\xff");

        json_object_object_add(doc, "summary", json_object_new_string("ok"));
        json_object_object_add(doc, "name", json_object_new_string_len("Caf\xe9\0x", 6));
        json_object_array_add(arr, json_object_new_string("\x1b]0;pwned\x07"));
        json_object_array_add(arr, json_object_new_int(7));
        json_object_object_add(inner, bad_key, json_object_new_string("v"));
        json_object_array_add(arr, inner);
        json_object_object_add(doc, "list", arr);

        ASSERT_INT_EQ((int)json_make_printable(doc), 3);
        ASSERT_TRUE(json_object_object_get_ex(doc, "name", &v));
        ASSERT_STR_EQ(json_object_get_string(v), "Caf\\xe9\\x00x");
        ASSERT_STR_EQ(json_object_get_string(json_object_array_get_idx(arr, 0)),
                      "\\x1b]0;pwned\\x07");
        ASSERT_TRUE(json_object_object_get_ex(inner, "k\\xff", &v));
        ASSERT_STR_EQ(json_object_get_string(v), "v");
        ASSERT_INT_EQ((int)json_make_printable(doc), 0);
        json_object_put(doc);

        /* details_add_text keeps the bytes in hex only when it had to change them. */
        doc = json_object_new_object();
        details_add_text(doc, "good", "BCM4345C0", 9);
        details_add_text(doc, "bad", "Caf\xe9", 4);
        ASSERT_TRUE(!json_object_object_get_ex(doc, "good_hex", NULL));
        ASSERT_TRUE(json_object_object_get_ex(doc, "bad_hex", &v));
        ASSERT_STR_EQ(json_object_get_string(v), "436166e9");
        ASSERT_TRUE(json_object_object_get_ex(doc, "bad", &v));
        ASSERT_STR_EQ(json_object_get_string(v), "Caf\\xe9");
        json_object_put(doc);
}

int main(void)
{
        TEST_RUN(test_path_join_root);
        TEST_RUN(test_strv_split);
        TEST_RUN(test_format);
        TEST_RUN(test_errno_format);
        TEST_RUN(test_write_atomic);
        TEST_RUN(test_write_atomic_in_root);
        TEST_RUN(test_read_refuses_what_is_not_a_file);
        TEST_RUN(test_utf8_printable);
        TEST_RUN(test_json_make_printable);
        return test_exit();
}
