/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The persistent state: a first boot, a round trip, and damaged files that must not be trusted. */
#include <stdio.h>
#include <sys/stat.h>

#include "state.h"
#include "test-util.h"
#include "util.h"

static char root[] = "/tmp/hwctl-test-state-XXXXXX";

static void put(const char *text, size_t len)
{
        _cleanup_free_ char *path = path_join_root(root, STATE_FILE_PATH);
        ASSERT_INT_EQ(write_file_atomic(path, text, len, 0644), 0);
}

static void test_first_boot_is_enoent(void)
{
        DaemonState s = {};
        char *err = NULL;

        ASSERT_INT_EQ(daemon_state_load(root, &s, &err), -ENOENT);
        ASSERT_NULL(err);
        ASSERT_INT_EQ(s.starts, 0);
}

static void test_roundtrip(void)
{
        DaemonState s = {.first_start_usec = 1700000000000000ULL,
                         .starts = 3,
                         .board = strdup("rpi-3-b"),
                         .verdicts = json_object_new_object()};
        DaemonState back = {};
        json_object *v;
        char *err = NULL;

        json_object_object_add(s.verdicts, "rootfs", json_object_new_string("changed"));
        ASSERT_INT_EQ(daemon_state_save(root, &s), 0);
        ASSERT_INT_EQ(daemon_state_load(root, &back, &err), 0);
        ASSERT_INT_EQ(back.first_start_usec, 1700000000000000ULL);
        ASSERT_INT_EQ(back.starts, 3);
        ASSERT_STR_EQ(back.board, "rpi-3-b");
        ASSERT_TRUE(json_object_object_get_ex(back.verdicts, "rootfs", &v));
        ASSERT_STR_EQ(json_object_get_string(v), "changed");
        daemon_state_done(&s);
        daemon_state_done(&back);
        ASSERT_NULL(back.board);
}

#define DAMAGED(text, part) expect_damaged(text, sizeof(text) - 1, part)

static void expect_damaged(const char *text, size_t len, const char *part)
{
        DaemonState s = {.starts = 99};
        char *err = NULL;

        put(text, len);
        ASSERT_INT_EQ(daemon_state_load(root, &s, &err), -EBADMSG);
        ASSERT_STR_CONTAINS(err, part);
        ASSERT_INT_EQ(s.starts, 99); /* untouched on failure */
        free(err);
}

static void test_damaged_files_are_refused(void)
{
        DAMAGED("", "not a JSON object");
        DAMAGED("{\"version\":1,\"first_start_usec\":5,", "not a JSON object");
        DAMAGED("[]", "not a JSON object");
        DAMAGED("{\"version\":1,\"first\0_start_usec\":5,\"starts\":1}", "NUL");
        DAMAGED("{\"version\":2,\"first_start_usec\":5,\"starts\":1}", "version");
        DAMAGED("{\"version\":1,\"first_start_usec\":\"soon\",\"starts\":1}", "first_start_usec");
        DAMAGED("{\"version\":1,\"first_start_usec\":-5,\"starts\":1}", "first_start_usec");
        DAMAGED("{\"version\":1,\"first_start_usec\":5,\"starts\":0}", "starts");
        DAMAGED("{\"version\":1,\"first_start_usec\":5,\"starts\":1,\"board\":7}", "board");
        DAMAGED("{\"version\":1,\"first_start_usec\":5,\"starts\":1,\"verdicts\":[]}", "verdicts");
}

static void test_huge_file_is_refused(void)
{
        size_t n = 200 * 1024;
        char *big = malloc(n);
        DaemonState s = {};
        char *err = NULL;

        memset(big, ' ', n);
        big[0] = '{';
        big[n - 1] = '}';
        put(big, n);
        ASSERT_INT_EQ(daemon_state_load(root, &s, &err), -EFBIG);
        ASSERT_NOT_NULL(err);
        free(err);
        free(big);
}

static void test_set_aside(void)
{
        _cleanup_free_ char *aside = NULL;
        struct stat st;

        put("junk", 4);
        ASSERT_INT_EQ(daemon_state_set_aside(root), 0);
        aside = strdup_printf("%s%s.broken", root, STATE_FILE_PATH);
        ASSERT_INT_EQ(stat(aside, &st), 0);
        ASSERT_INT_EQ(st.st_size, 4);
        test_first_boot_is_enoent();
}

/* A FIFO planted at state.json: hwctld must not hang before READY=1 waiting for a writer. */
static void test_fifo_is_refused_not_waited_on(void)
{
        _cleanup_free_ char *path = path_join_root(root, STATE_FILE_PATH), *error = NULL;
        DaemonState s = {};

        unlink(path);
        ASSERT_INT_EQ(mkfifo(path, 0600), 0);
        alarm(10);
        ASSERT_INT_EQ(daemon_state_load(root, &s, &error), -EBADFD);
        alarm(0);
        ASSERT_STR_CONTAINS(error, "not a regular file");
        unlink(path);
}

int main(void)
{
        if (!mkdtemp(root))
                TEST_SKIP("cannot make a temporary directory");
        TEST_RUN(test_first_boot_is_enoent);
        TEST_RUN(test_roundtrip);
        TEST_RUN(test_damaged_files_are_refused);
        TEST_RUN(test_huge_file_is_refused);
        TEST_RUN(test_set_aside);
        TEST_RUN(test_fifo_is_refused_not_waited_on);
        return test_exit();
}
