/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Broadcom facts and single steps: chip names, default addresses, speeds, commands, patching. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <time.h>

#include "bt-bcm.h"
#include "util.h"

/* LMP subversions of UART controllers, as the kernel's btbcm names them. */
static const struct {
        uint16_t subversion;
        const char *name;
} chips[] = {
        {0x1111, "BCM4362A2"},  {0x4103, "BCM4330B1"},  {0x410d, "BCM4334B0"},
        {0x410e, "BCM43341B0"}, {0x4204, "BCM2076B1"},  {0x4406, "BCM4324B3"},
        {0x4606, "BCM4324B5"},  {0x6109, "BCM4335C0"},  {0x610c, "BCM4354"},
        {0x2122, "BCM4343A0"},  {0x2209, "BCM43430A1"}, {0x6119, "BCM4345C0"},
        {0x6606, "BCM4345C5"},  {0x230f, "BCM4356A2"},  {0x220e, "BCM20702A1"},
        {0x420d, "BCM4349B1"},  {0x420e, "BCM4349B1"},  {0x4217, "BCM4329B1"},
        {0x6106, "BCM4359C0"},  {0x4106, "BCM4335A0"},  {0x410c, "BCM43430B0"},
        {0x2119, "BCM4373A0"},
};

const char *bcm_chip_from_subversion(uint16_t subversion)
{
        for (size_t i = 0; i < ELEMENTSOF(chips); i++)
                if (chips[i].subversion == subversion)
                        return chips[i].name;
        return NULL;
}

/* Addresses controllers report before anyone programs one: btbcm's list, plus the all-zero,
 * all-one and BCM4345C0/BCM43430B0 ROM addresses seen in the field. */
static const uint8_t default_addrs[][6] = {
        {0x00, 0x20, 0x70, 0x02, 0xa0, 0x00}, {0x20, 0x70, 0x02, 0xa0, 0x00, 0x00},
        {0x20, 0x76, 0xa0, 0x00, 0x56, 0x79}, {0x43, 0x24, 0xb3, 0x00, 0x00, 0x00},
        {0x43, 0x30, 0xb1, 0x00, 0x00, 0x00}, {0x43, 0x34, 0xb0, 0x00, 0x00, 0x00},
        {0x43, 0x45, 0xc5, 0x00, 0x1f, 0xac}, {0x43, 0x43, 0xa0, 0x12, 0x1f, 0xac},
        {0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa}, {0x43, 0x34, 0x1b, 0x00, 0x1f, 0xac},
        {0x43, 0x45, 0xc0, 0x00, 0x1f, 0xac}, {0x43, 0x43, 0xb0, 0x00, 0x1f, 0xac},
        {0x00, 0x00, 0x00, 0x00, 0x00, 0x00}, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
};

bool bcm_bdaddr_is_default(const uint8_t bdaddr[6])
{
        for (size_t i = 0; i < ELEMENTSOF(default_addrs); i++)
                if (memcmp(bdaddr, default_addrs[i], 6) == 0)
                        return true;
        return false;
}

int bcm_bdaddr_from_serial(const char *serial, uint8_t ret[6])
{
        size_t len, i;
        uint64_t hash = 0xcbf29ce484222325ULL;
        bool hex = true;

        if (isempty(serial))
                return -EINVAL;
        len = strlen(serial);
        for (i = 0; i < len; i++)
                if (!isxdigit((unsigned char)serial[i]))
                        hex = false;
        if (hex && len >= 6) {
                unsigned long low = strtoul(serial + len - 6, NULL, 16);

                ret[0] = 0xb8;
                ret[1] = 0x27;
                ret[2] = 0xeb;
                ret[3] = (uint8_t)(((low >> 16) & 0xff) ^ 0xaa);
                ret[4] = (uint8_t)(((low >> 8) & 0xff) ^ 0xaa);
                ret[5] = (uint8_t)((low & 0xff) ^ 0xaa);
                return 0;
        }
        for (i = 0; i < len; i++) /* FNV-1a */
                hash = (hash ^ (unsigned char)serial[i]) * 0x100000001b3ULL;
        for (i = 0; i < 6; i++)
                ret[i] = (uint8_t)(hash >> (8 * i));
        ret[0] = (uint8_t)((ret[0] & ~0x01) | 0x02); /* unicast, locally administered */
        return 0;
}

void bcm_report_done(BcmReport *r)
{
        if (!r)
                return;
        free(r->firmware_path);
        strv_free(r->firmware_tried);
        free(r->cause);
        free(r->remedy);
        *r = (BcmReport){};
}

int bcm_cmd(BtHci *h, BcmReport *rep, const char *step, uint16_t opcode, const void *params,
            size_t len, uint64_t timeout_usec, void *ret_params, size_t ret_size)
{
        uint64_t start = now_usec(CLOCK_MONOTONIC);
        int r;

        r = bt_hci_command(h, opcode, params, len, timeout_usec, ret_params, ret_size);
        if (rep && step && rep->n_steps < BCM_STEPS_MAX) {
                BcmStep *s = &rep->steps[rep->n_steps++];

                snprintf(s->name, sizeof(s->name), "%s", step);
                s->baud = rep->baud;
                s->usec = now_usec(CLOCK_MONOTONIC) - start;
                s->error = r < 0 ? r : 0;
        }
        return r;
}

int bcm_download_patch(BtHci *h, BcmReport *rep, const BtHcd *hcd, uint64_t timeout_usec)
{
        uint8_t dummy[255];
        int r;

        for (size_t i = 0; i < hcd->n_records; i++) {
                const BtHcdRecord *rec = &hcd->records[i];

                r = bt_hci_command(h, rec->opcode, rec->params, rec->len, timeout_usec, dummy,
                                   sizeof(dummy));
                if (r < 0) {
                        if (rep)
                                rep->firmware_records = i;
                        return r;
                }
        }
        if (rep)
                rep->firmware_records = hcd->n_records;
        return 0;
}

/* Kernel ABI: the N_HCI line discipline and the HCI UART ioctls (net/bluetooth, hci_uart.h). */
#define BT_N_HCI            15
#define BT_HCIUARTSETPROTO  _IOW('U', 200, int)
#define BT_HCIUARTGETDEVICE _IOR('U', 202, int)
#define BT_HCI_UART_H4      0

/* hciN exists once the line discipline has the protocol; the kernel registers it within a few
 * milliseconds, so ask for the index INDEX_TRIES times, INDEX_PAUSE_MSEC apart (one second). */
#define INDEX_TRIES      50u
#define INDEX_PAUSE_MSEC 20

int bcm_attach_line_discipline(int fd, int *ret_index)
{
        int ldisc = BT_N_HCI, index = -1;

        if (ioctl(fd, TIOCSETD, &ldisc) < 0)
                return -errno;
        if (ioctl(fd, BT_HCIUARTSETPROTO, BT_HCI_UART_H4) < 0)
                return -errno;
        /* The hciN index exists once the protocol is set; ask for it a few times, briefly. */
        for (unsigned i = 0; i < INDEX_TRIES; i++) {
                if (ioctl(fd, BT_HCIUARTGETDEVICE, 0) >= 0) {
                        index = ioctl(fd, BT_HCIUARTGETDEVICE, 0);
                        break;
                }
                (void)poll(NULL, 0, INDEX_PAUSE_MSEC);
        }
        if (index < 0)
                return -ENODEV;
        *ret_index = index;
        return 0;
}
