/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The shared helpers: sysroot paths, lists, sizes, and atomic writes. */
#include <stdio.h>
#include <sys/stat.h>

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

int main(void)
{
        TEST_RUN(test_path_join_root);
        TEST_RUN(test_strv_split);
        TEST_RUN(test_format);
        TEST_RUN(test_errno_format);
        TEST_RUN(test_write_atomic);
        TEST_RUN(test_read_refuses_what_is_not_a_file);
        return test_exit();
}
