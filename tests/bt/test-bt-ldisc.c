/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The last step, handing the tty to the kernel's HCI UART driver: tested where the kernel has it.
 */
#include <errno.h>
#include <pty.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bt-bcm.h"
#include "test-util.h"

int main(void)
{
        int master, slave, index = -1, r;

        if (openpty(&master, &slave, NULL, NULL, NULL) < 0)
                TEST_SKIP("no ptys here");
        r = bcm_attach_line_discipline(slave, &index);
        if (r == -EINVAL || r == -EOPNOTSUPP || r == -EPERM || r == -EACCES || r == -ENOENT)
                TEST_SKIP("this kernel has no N_HCI line discipline for us (%s): the VM tier "
                          "tests the attach",
                          strerror(-r));
        /* A pty with no controller behind it: the kernel sets up hciN, which then times out. */
        ASSERT_INT_EQ(r, 0);
        ASSERT_TRUE(index >= 0);
        close(slave);
        close(master);
        return test_exit();
}
