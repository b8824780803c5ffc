/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* HCI over H4: answers are matched and length-checked; garbage, cut or oversized events and
 * silence are errors within the deadline, never a hang. */
#include <fcntl.h>
#include <pty.h>
#include <stdio.h>
#include <time.h>

#include "bt-hci.h"
#include "bt-tty.h"
#include "test-util.h"
#include "util.h"

typedef struct Pair {
        int master, slave;
        BtHci *hci;
} Pair;

static void pair_open(Pair *p)
{
        if (openpty(&p->master, &p->slave, NULL, NULL, NULL) < 0)
                abort();
        ASSERT_INT_EQ(bt_tty_configure(p->slave, 115200, false), 0);
        ASSERT_INT_EQ(bt_hci_new(p->slave, &p->hci), 0);
}

static void pair_close(Pair *p)
{
        bt_hci_free(p->hci);
        close(p->master);
        close(p->slave);
}

/* What the controller says, queued before the host asks. */
static void peer_says(Pair *p, const uint8_t *b, size_t n)
{
        ASSERT_INT_EQ(write(p->master, b, n), (ssize_t)n);
}

static int run(Pair *p, uint16_t op, uint8_t *out, size_t size, uint64_t *usec)
{
        uint64_t t = now_usec(CLOCK_MONOTONIC);
        int r = bt_hci_command(p->hci, op, NULL, 0, 100 * USEC_PER_MSEC, out, size);

        *usec = now_usec(CLOCK_MONOTONIC) - t;
        return r;
}

static void test_complete_matched_and_checked(void)
{
        /* A stale answer to another command and an unrelated event come first. */
        static const uint8_t in[] = {0x04, 0x0e, 0x04, 0x01, 0x03, 0x0c, 0x00,       /* Reset */
                                     0x04, 0x13, 0x01, 0x00,                         /* other */
                                     0x04, 0x0e, 0x0a, 0x01, 0x09, 0x10, 0x00, 0x11, /* BD_ADDR */
                                     0x22, 0x33, 0x44, 0x55, 0x66};
        uint8_t out[6], cmd[4];
        uint64_t usec;
        Pair p;

        pair_open(&p);
        peer_says(&p, in, sizeof(in));
        ASSERT_INT_EQ(run(&p, 0x1009, out, sizeof(out), &usec), 6);
        ASSERT_INT_EQ(out[0], 0x11);
        ASSERT_INT_EQ(out[5], 0x66);
        /* The command went out as an H4 packet. */
        ASSERT_INT_EQ(read(p.master, cmd, sizeof(cmd)), 4);
        ASSERT_INT_EQ(cmd[0], 0x01);
        ASSERT_INT_EQ(cmd[1], 0x09);
        ASSERT_INT_EQ(cmd[2], 0x10);
        ASSERT_INT_EQ(cmd[3], 0x00);
        pair_close(&p);
}

static void test_silence_times_out(void)
{
        uint64_t usec;
        Pair p;

        pair_open(&p);
        ASSERT_INT_EQ(run(&p, 0x0c03, NULL, 0, &usec), -ETIMEDOUT);
        ASSERT_TRUE(usec >= 100 * USEC_PER_MSEC && usec < 400 * USEC_PER_MSEC);
        ASSERT_STR_CONTAINS(bt_hci_error(p.hci), "no answer");
        pair_close(&p);
}

static void test_garbage(void)
{
        static const uint8_t in[] = {0xf8, 0xf8, 0x00, 0xf8};
        uint64_t usec;
        Pair p;

        pair_open(&p);
        peer_says(&p, in, sizeof(in));
        ASSERT_INT_EQ(run(&p, 0x0c03, NULL, 0, &usec), -EBADMSG);
        ASSERT_STR_CONTAINS(bt_hci_error(p.hci), "byte 0xf8 where an HCI event");
        ASSERT_TRUE(usec < 100 * USEC_PER_MSEC);
        pair_close(&p);
}

static void test_cut_short(void)
{
        static const uint8_t in[] = {0x04, 0x0e, 0x0c, 0x01, 0x01, 0x10, 0x00, 0x07};
        uint8_t out[8];
        uint64_t usec;
        Pair p;

        pair_open(&p);
        peer_says(&p, in, sizeof(in));
        ASSERT_INT_EQ(run(&p, 0x1001, out, sizeof(out), &usec), -EBADMSG);
        ASSERT_STR_CONTAINS(bt_hci_error(p.hci), "cut short: 8 of 15 bytes");
        ASSERT_TRUE(usec < 400 * USEC_PER_MSEC);
        pair_close(&p);
}

static void test_oversized_and_short(void)
{
        uint8_t in[3 + 4 + 12] = {0x04, 0x0e, 16, 0x01, 0x01, 0x10, 0x00};
        static const uint8_t tiny[] = {0x04, 0x0e, 0x02, 0x01, 0x01};
        static const uint8_t bad_status[] = {0x04, 0x0f, 0x04, 0x01, 0x01, 0x03, 0x0c};
        static const uint8_t failed[] = {0x04, 0x0e, 0x04, 0x01, 0x18, 0xfc, 0x11};
        uint8_t out[8];
        uint64_t usec;
        Pair p;

        pair_open(&p);
        peer_says(&p, in, sizeof(in));
        ASSERT_INT_EQ(run(&p, 0x1001, out, sizeof(out), &usec), -EBADMSG);
        ASSERT_STR_CONTAINS(bt_hci_error(p.hci), "12 bytes where at most 8 belong");
        peer_says(&p, tiny, sizeof(tiny));
        ASSERT_INT_EQ(run(&p, 0x1001, out, sizeof(out), &usec), -EBADMSG);
        ASSERT_STR_CONTAINS(bt_hci_error(p.hci), "too short");
        /* Command Status with a failure. */
        peer_says(&p, bad_status, sizeof(bad_status));
        ASSERT_INT_EQ(run(&p, 0x0c03, NULL, 0, &usec), -EREMOTEIO);
        ASSERT_INT_EQ(bt_hci_status(p.hci), 0x01);
        peer_says(&p, failed, sizeof(failed));
        ASSERT_INT_EQ(run(&p, 0xfc18, NULL, 0, &usec), -EREMOTEIO);
        ASSERT_INT_EQ(bt_hci_status(p.hci), 0x11);
        pair_close(&p);
}

static void test_line_gone(void)
{
        uint64_t usec;
        Pair p;

        pair_open(&p);
        close(p.master);
        p.master = open("/dev/null", O_RDONLY);
        ASSERT_TRUE(run(&p, 0x0c03, NULL, 0, &usec) < 0);
        ASSERT_TRUE(usec < 400 * USEC_PER_MSEC);
        pair_close(&p);
}

int main(void)
{
        TEST_RUN(test_complete_matched_and_checked);
        TEST_RUN(test_silence_times_out);
        TEST_RUN(test_garbage);
        TEST_RUN(test_cut_short);
        TEST_RUN(test_oversized_and_short);
        TEST_RUN(test_line_gone);
        return test_exit();
}
