/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Kernel log records ("prio,seq,usec,flags;message"), parsed and turned into the Bluetooth
 * diagnosis's findings, for any hciN and for hci0. */
#include "bt-kmsg.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static char *const match[] = {"fe201000.serial", "ttyAMA0", NULL};
        BtKmsg *k = NULL;

        if (bt_kmsg_parse((const char *)data, size, match, &k) < 0)
                return 0;
        for (int index = -1; index <= 0; index++) {
                BtFindings f = {};
                if (bt_findings_from_kmsg(k, index, &f) >= 0)
                        bt_findings_done(&f);
        }
        bt_kmsg_free(k);
        return 0;
}
