/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The UART speed policy: which speeds are standard, what each wiring allows, where a bring-up
 * steps down to. The numbers are the ones the Raspberry Pi and Khadas trees and Raspberry Pi's
 * old hciattach line used. */
#include <stdlib.h>
#include <string.h>

#include "test-util.h"
#include "uart-speed.h"
#include "util.h"

static void test_standard_text_matches_the_table(void)
{
        _cleanup_free_ char *text = strdup(UART_SPEED_STANDARD_TEXT);
        unsigned n = 0, prev = 0;

        REQUIRE(text);
        for (char *save = NULL, *w = strtok_r(text, " ", &save); w;
             w = strtok_r(NULL, " ", &save)) {
                unsigned long v = strtoul(w, NULL, 10);

                ASSERT_TRUE(uart_speed_is_standard(v));
                ASSERT_TRUE(v > prev); /* lowest first, each once */
                prev = (unsigned)v;
                n++;
        }
        ASSERT_INT_EQ(n, 9);
        ASSERT_INT_EQ(prev, UART_B4000000);
        /* Nothing outside the text is accepted: the neighbours of each entry are not. */
        ASSERT_FALSE(uart_speed_is_standard(0));
        ASSERT_FALSE(uart_speed_is_standard(9600));
        ASSERT_FALSE(uart_speed_is_standard(115201));
        ASSERT_FALSE(uart_speed_is_standard(2999999));
        ASSERT_FALSE(uart_speed_is_standard(UINT64_C(1) << 32 | 115200));
}

static void test_wiring(void)
{
        /* The mini-UART has its ceiling whatever else is wired. */
        ASSERT_INT_EQ(uart_speed_for_wiring(UART_KIND_MINI, true, 0), 460800);
        ASSERT_INT_EQ(uart_speed_for_wiring(UART_KIND_MINI, false, UART_B2000000), 460800);
        /* PL011 without RTS/CTS (Pi 3 B): 921600. */
        ASSERT_INT_EQ(uart_speed_for_wiring(UART_KIND_PL011, false, 0), 921600);
        /* PL011 with RTS/CTS (Pi 3 B+ .. Pi 5): 3000000. */
        ASSERT_INT_EQ(uart_speed_for_wiring(UART_KIND_PL011, true, 0), 3000000);
        /* A board ceiling below that (Khadas: 2000000) wins; one above it does not. */
        ASSERT_INT_EQ(uart_speed_for_wiring(UART_KIND_MESON, true, UART_B2000000), 2000000);
        ASSERT_INT_EQ(uart_speed_for_wiring(UART_KIND_MESON, true, UART_B4000000), 3000000);
        ASSERT_INT_EQ(uart_speed_for_wiring(UART_KIND_MESON, false, UART_B2000000), 921600);
        ASSERT_INT_EQ(uart_speed_for_wiring(UART_KIND_UNKNOWN, true, 0), 3000000);

        ASSERT_FALSE(uart_speed_needs_flow_control(115200));
        ASSERT_FALSE(uart_speed_needs_flow_control(921600));
        ASSERT_TRUE(uart_speed_needs_flow_control(1000000));
        ASSERT_TRUE(uart_speed_needs_flow_control(3000000));
}

static void test_next_lower(void)
{
        ASSERT_INT_EQ(uart_speed_next_lower(4000000), 3000000);
        ASSERT_INT_EQ(uart_speed_next_lower(3000000), 2000000);
        ASSERT_INT_EQ(uart_speed_next_lower(1000000), 921600);
        ASSERT_INT_EQ(uart_speed_next_lower(921600), 460800);
        ASSERT_INT_EQ(uart_speed_next_lower(460800), 230400);
        /* Nothing standard below 230400 but the start speed. */
        ASSERT_INT_EQ(uart_speed_next_lower(230400), 115200);
        ASSERT_INT_EQ(uart_speed_next_lower(115200), 115200);
        ASSERT_INT_EQ(uart_speed_next_lower(0), 115200);
        /* A non-standard speed steps to the standard one below it. */
        ASSERT_INT_EQ(uart_speed_next_lower(2500000), 2000000);
        ASSERT_INT_EQ(uart_speed_next_lower(UINT32_MAX), 4000000);
}

static void test_ladder(void)
{
        uint32_t l[UART_SPEED_LADDER_MAX];

        ASSERT_INT_EQ(uart_speed_ladder(3000000, l), 4);
        ASSERT_INT_EQ(l[0], 3000000);
        ASSERT_INT_EQ(l[1], 2000000);
        ASSERT_INT_EQ(l[2], 921600);
        ASSERT_INT_EQ(l[3], 460800);
        ASSERT_INT_EQ(uart_speed_ladder(2000000, l), 3);
        ASSERT_INT_EQ(l[0], 2000000);
        ASSERT_INT_EQ(uart_speed_ladder(460800, l), 1);
        ASSERT_INT_EQ(l[0], 460800);
        /* A target that is not a step is tried first, then the steps below it. */
        ASSERT_INT_EQ(uart_speed_ladder(1500000, l), 3);
        ASSERT_INT_EQ(l[0], 1500000);
        ASSERT_INT_EQ(l[1], 921600);
        ASSERT_INT_EQ(uart_speed_ladder(4000000, l), 5);
        ASSERT_INT_EQ(l[0], 4000000);
        ASSERT_INT_EQ(l[1], 3000000);
        /* At or below the start speed there is nothing to step through. */
        ASSERT_INT_EQ(uart_speed_ladder(115200, l), 0);
        ASSERT_INT_EQ(uart_speed_ladder(0, l), 0);
        ASSERT_INT_EQ(uart_speed_ladder(230400, l), 1);
        /* Every target fits the array, and every entry is at most the target, best first. */
        for (uint64_t t = 0; t <= UINT32_MAX; t += 65537) {
                size_t n = uart_speed_ladder((uint32_t)t, l);

                ASSERT_TRUE(n <= UART_SPEED_LADDER_MAX);
                for (size_t i = 0; i < n; i++) {
                        ASSERT_TRUE(l[i] <= t && l[i] > UART_SPEED_INIT);
                        if (i > 0)
                                ASSERT_TRUE(l[i] < l[i - 1]);
                }
        }
}

int main(void)
{
        TEST_RUN(test_standard_text_matches_the_table);
        TEST_RUN(test_wiring);
        TEST_RUN(test_next_lower);
        TEST_RUN(test_ladder);
        return test_exit();
}
