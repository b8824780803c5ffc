/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What a controller sends on the UART: H4 packets read as HCI events until the line ends. */
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bt-hci.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        BtHci *h = NULL;
        BtHciEvent ev;
        int sv[2];

        if (size > 60000) /* what one socketpair holds without a reader */
                return 0;
        FUZZ_ASSERT(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
        FUZZ_ASSERT(write(sv[1], data, size) == (ssize_t)size);
        close(sv[1]);
        FUZZ_ASSERT(bt_hci_new(sv[0], &h) >= 0);
        /* The first bytes choose: read events one by one, or wait for the answer to a command
         * (Command Complete or Status parsed against that opcode). */
        uint16_t opcode = size >= 3 ? (uint16_t)(data[1] | data[2] << 8) : 0x0c03;
        for (unsigned i = 0; i <= size; i++) {
                int r = size && (data[0] & 1)
                                ? bt_hci_wait_for(h, opcode, now_usec(CLOCK_MONOTONIC))
                                : bt_hci_read_event(h, now_usec(CLOCK_MONOTONIC), &ev);
                if (r == -EIO || r == -ETIMEDOUT)
                        break; /* the line is gone, or nothing more came */
                if (r >= 0 && !(data[0] & 1))
                        FUZZ_ASSERT(ev.len <= sizeof(ev.params));
        }
        bt_hci_free(h);
        close(sv[0]);
        return 0;
}
