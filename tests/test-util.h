/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Minimal assertions for hwctl's C tests: each failure names file, line and the values. */
#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXIT_TEST_SKIP 77

static int test_failures;

#define TEST_FAIL(fmt, ...)                                                                        \
        do {                                                                                       \
                fprintf(stderr, "%s:%d: FAIL: " fmt "\n", __FILE__, __LINE__, ##__VA_ARGS__);      \
                test_failures++;                                                                   \
        } while (0)

#define ASSERT_TRUE(expr)                                                                          \
        do {                                                                                       \
                if (!(expr))                                                                       \
                        TEST_FAIL("expected true: %s", #expr);                                     \
        } while (0)
#define ASSERT_FALSE(expr) ASSERT_TRUE(!(expr))

/* A precondition the rest of the test cannot go on without (building its input): a failure ends
 * the program. Unlike assert(), it stays under NDEBUG, so the setup inside it always runs. */
#define REQUIRE(expr)                                                                              \
        do {                                                                                       \
                if (!(expr)) {                                                                     \
                        fprintf(stderr, "%s:%d: FAIL: required: %s\n", __FILE__, __LINE__, #expr); \
                        exit(EXIT_FAILURE);                                                        \
                }                                                                                  \
        } while (0)

#define ASSERT_INT_EQ(a, b)                                                                        \
        do {                                                                                       \
                long long _a = (long long)(a), _b = (long long)(b);                                \
                if (_a != _b)                                                                      \
                        TEST_FAIL("%s == %s: %lld != %lld", #a, #b, _a, _b);                       \
        } while (0)

#define ASSERT_STR_EQ(a, b)                                                                        \
        do {                                                                                       \
                const char *_a = (a), *_b = (b);                                                   \
                if (!_a || !_b || strcmp(_a, _b) != 0)                                             \
                        TEST_FAIL("%s == %s: \"%s\" != \"%s\"", #a, #b, _a ? _a : "(null)",        \
                                  _b ? _b : "(null)");                                             \
        } while (0)

#define ASSERT_NULL(a)                                                                             \
        do {                                                                                       \
                if ((a) != NULL)                                                                   \
                        TEST_FAIL("expected NULL: %s", #a);                                        \
        } while (0)
#define ASSERT_NOT_NULL(a)                                                                         \
        do {                                                                                       \
                if ((a) == NULL)                                                                   \
                        TEST_FAIL("expected non-NULL: %s", #a);                                    \
        } while (0)

#define ASSERT_STR_CONTAINS(hay, needle)                                                           \
        do {                                                                                       \
                const char *_h = (hay), *_n = (needle);                                            \
                if (!_h || !strstr(_h, _n))                                                        \
                        TEST_FAIL("%s contains \"%s\": got \"%s\"", #hay, _n, _h ? _h : "(null)"); \
        } while (0)

#define TEST_RUN(fn)                                                                               \
        do {                                                                                       \
                int _before = test_failures;                                                       \
                fn();                                                                              \
                fprintf(stderr, "%s %s\n", test_failures == _before ? "ok  " : "FAIL", #fn);       \
        } while (0)

#define TEST_SKIP(fmt, ...)                                                                        \
        do {                                                                                       \
                fprintf(stderr, "SKIP: " fmt "\n", ##__VA_ARGS__);                                 \
                exit(EXIT_TEST_SKIP);                                                              \
        } while (0)

static inline int test_exit(void)
{
        if (test_failures)
                fprintf(stderr, "%d assertion(s) failed\n", test_failures);
        return test_failures ? EXIT_FAILURE : EXIT_SUCCESS;
}
