/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The userspace bring-up sequence of a Broadcom UART controller, with its diagnoses and fallbacks.
 */
#include <errno.h>
#include <stdio.h>
#include <time.h>

#include "bt-bcm.h"
#include "bt-firmware.h"
#include "bt-tty.h"
#include "util.h"

#define MINIDRV_DELAY_USEC (50 * USEC_PER_MSEC)
#define LAUNCH_DELAY_USEC  (250 * USEC_PER_MSEC)

typedef struct Setup {
        int fd;
        BtHci *hci;
        const BcmSetupParams *p;
        BcmReport *rep;
        uint64_t timeout;
} Setup;

static void sleep_usec(uint64_t usec)
{
        struct timespec ts = {.tv_sec = (time_t)(usec / USEC_PER_SEC),
                              .tv_nsec = (long)(usec % USEC_PER_SEC) * 1000};

        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

static void step_add(Setup *s, const char *name, uint64_t start, int error)
{
        BcmStep *st;

        if (s->rep->n_steps >= BCM_STEPS_MAX)
                return;
        st = &s->rep->steps[s->rep->n_steps++];
        snprintf(st->name, sizeof(st->name), "%s", name);
        st->baud = s->rep->baud;
        st->usec = now_usec(CLOCK_MONOTONIC) - start;
        st->error = error;
}

/* Records a failure; takes the sentences. */
static int fail(Setup *s, int error, char *cause, char *remedy)
{
        free(s->rep->cause);
        free(s->rep->remedy);
        s->rep->error = error;
        s->rep->cause = cause;
        s->rep->remedy = remedy;
        return error;
}

/* Records why the result is less than wanted; later reasons are added to earlier ones. */
static void degrade(Setup *s, int error, char *cause, char *remedy)
{
        BcmReport *r = s->rep;

        r->degraded = true;
        if (!r->error)
                r->error = error;
        if (cause) {
                char *c = r->cause ? strdup_printf("%s; %s", r->cause, cause) : strdup(cause);

                if (c) {
                        free(r->cause);
                        r->cause = c;
                }
        }
        if (remedy) {
                char *m = r->remedy ? strdup_printf("%s %s", r->remedy, remedy) : strdup(remedy);

                if (m) {
                        free(r->remedy);
                        r->remedy = m;
                }
        }
        free(cause);
        free(remedy);
}

static int host_speed(Setup *s, uint32_t baud)
{
        int r = bt_tty_set_speed(s->fd, baud);

        if (r < 0)
                return r;
        bt_hci_discard(s->hci);
        s->rep->baud = baud;
        return 0;
}

static int reset(Setup *s, const char *step)
{
        return bcm_cmd(s->hci, s->rep, step, BCM_OP_RESET, NULL, 0, s->timeout, NULL, 0);
}

/* A first Reset at 115200; when nothing answers, find out why. */
static int contact(Setup *s)
{
        const char *dev = s->p->device ?: "the UART";
        uint32_t ladder[UART_SPEED_LADDER_MAX];
        uint64_t sent = now_usec(CLOCK_MONOTONIC);
        size_t n;
        int r;

        r = reset(s, "reset");
        if (r >= 0)
                return 0;
        if (r != -ETIMEDOUT)
                return fail(s, r,
                            strdup_printf("the controller on %s answers at 115200 with what is "
                                          "not HCI: %s",
                                          dev, bt_hci_error(s->hci)),
                            strdup_printf("check that %s is the Bluetooth UART and that nothing "
                                          "else (hciattach, btattach, a serial console) uses it",
                                          dev));

        /* An answer that comes after the deadline is a slow controller, not a silent one. */
        if (bt_hci_wait_for(s->hci, BCM_OP_RESET, sent + 3 * s->timeout) == 0) {
                s->rep->late_usec = now_usec(CLOCK_MONOTONIC) - sent;
                return fail(s, -ETIMEDOUT,
                            strdup_printf("the controller on %s answers, but %llu ms after a "
                                          "command, later than the %llu ms deadline",
                                          dev, (unsigned long long)(s->rep->late_usec / 1000),
                                          (unsigned long long)(s->timeout / 1000)),
                            strdup("it is still starting when hwctld opens the UART (give the BT "
                                   "enable GPIO more time) or runs from a wrong clock; a power "
                                   "cycle of the controller is the first thing to try"));
        }

        if (s->p->flow_control) {
                r = bt_tty_set_flow_control(s->fd, false);
                if (r < 0)
                        return fail(s, r, strdup("cannot turn RTS/CTS off on the UART"), NULL);
                (void)bt_tty_flush(s->fd);
                bt_hci_discard(s->hci);
                r = reset(s, "reset without RTS/CTS");
                if (r >= 0) {
                        s->rep->flow_control = false;
                        degrade(s, -ETIMEDOUT,
                                strdup_printf("the controller on %s answers only with RTS/CTS "
                                              "off: its RTS does not reach the UART's CTS (pins "
                                              "not muxed in the device tree, or not wired), so "
                                              "it runs without flow control at %u baud at most",
                                              dev, UART_SPEED_NO_FLOW_MAX),
                                strdup("mux the UART's CTS/RTS pins in the device tree (a pinctrl "
                                       "group with CTS/RTS, as the board's stock tree has) to "
                                       "get full speed."));
                        return 0;
                }
                (void)bt_tty_set_flow_control(s->fd, true);
        }

        /* An earlier run may have left the controller at its operating speed. */
        n = uart_speed_ladder(s->p->target_baud, ladder);
        for (size_t i = 0; i < n; i++) {
                if (host_speed(s, ladder[i]) < 0)
                        continue;
                if (reset(s, "reset at an earlier speed") >= 0) {
                        uint8_t par[6] = {0,
                                          0,
                                          UART_SPEED_INIT & 0xff,
                                          (UART_SPEED_INIT >> 8) & 0xff,
                                          (UART_SPEED_INIT >> 16) & 0xff,
                                          0};

                        /* Back to 115200 for a known starting point. */
                        r = bcm_cmd(s->hci, s->rep, "back to 115200", BCM_OP_UPDATE_BAUD_RATE, par,
                                    sizeof(par), s->timeout, NULL, 0);
                        if (r >= 0 && host_speed(s, UART_SPEED_INIT) >= 0 && reset(s, "reset") >= 0)
                                return 0;
                        break;
                }
        }
        (void)host_speed(s, UART_SPEED_INIT);
        return fail(s, -ETIMEDOUT,
                    strdup_printf("no answer from the controller on %s at 115200%s: it is "
                                  "powered off (BT enable GPIO / rfkill) or on another UART",
                                  dev, s->p->flow_control ? ", with or without RTS/CTS" : ""),
                    strdup_printf("check that the controller's enable GPIO (shutdown-gpios in "
                                  "the device tree) is driven high, that rfkill does not block "
                                  "it, and that %s is the UART wired to it",
                                  dev));
}

/* The controller's name is 248 bytes: 22 ms at 115200, under 1 ms at 3000000. Nothing before
 * the end needs it (the LMP subversion names the chip), so it is read last, at the final speed. */
static int read_name(Setup *s)
{
        uint8_t name[248];
        int r;

        r = bcm_cmd(s->hci, s->rep, "read name", BCM_OP_READ_LOCAL_NAME, NULL, 0, s->timeout, name,
                    sizeof(name));
        if (r < 0 || r != (int)sizeof(name))
                return fail(s, r < 0 ? r : -EBADMSG,
                            strdup_printf("the controller's Read Local Name answer is unusable: "
                                          "%s",
                                          *bt_hci_error(s->hci) ? bt_hci_error(s->hci)
                                                                : "wrong length"),
                            strdup("power-cycle the controller and check the UART wiring"));
        memcpy(s->rep->name, name, sizeof(name));
        s->rep->name[sizeof(name)] = 0;
        return 0;
}

static int identify(Setup *s, bool patched)
{
        uint8_t v[8];
        int r;

        r = bcm_cmd(s->hci, s->rep, patched ? "read version after patch" : "read version",
                    BCM_OP_READ_LOCAL_VERSION, NULL, 0, s->timeout, v, sizeof(v));
        if (r >= 0 && r != (int)sizeof(v))
                r = -EBADMSG;
        if (r < 0)
                return fail(s, r,
                            strdup_printf("the controller's Read Local Version answer is "
                                          "unusable: %s",
                                          r == -EBADMSG && !*bt_hci_error(s->hci)
                                                  ? "it has the wrong length"
                                                  : bt_hci_error(s->hci)),
                            strdup_printf("a controller that garbles answers at %u baud has a "
                                          "bad UART line or clock: power-cycle it, check the "
                                          "wiring",
                                          s->rep->baud));
        s->rep->manufacturer = (uint16_t)(v[4] | v[5] << 8);
        s->rep->subversion = (uint16_t)(v[6] | v[7] << 8);
        if (patched)
                s->rep->build = (uint16_t)((v[1] | v[2] << 8) & 0x0fff);
        else {
                const char *chip = bcm_chip_from_subversion(s->rep->subversion);

                s->rep->rom_build = (uint16_t)((v[1] | v[2] << 8) & 0x0fff);
                s->rep->build = s->rep->rom_build;
                if (chip)
                        snprintf(s->rep->chip, sizeof(s->rep->chip), "%s", chip);
                else
                        snprintf(s->rep->chip, sizeof(s->rep->chip), "BCM(0x%04x)",
                                 s->rep->subversion);
        }

        return 0;
}

/* Asks for a speed and follows it. 0: both sides at baud. Otherwise both sides are back at
 * 115200 and *ret_acked says whether the controller had acknowledged the change; -EHOSTDOWN when
 * the controller answers at neither speed. */
static int set_baud(Setup *s, uint32_t baud, bool *ret_acked)
{
        uint8_t par[6] = {0, 0, baud & 0xff, (baud >> 8) & 0xff, (baud >> 16) & 0xff, baud >> 24};
        uint8_t v[8];
        char step[40];
        int r;

        *ret_acked = false;
        snprintf(step, sizeof(step), "baud %u", baud);
        r = bcm_cmd(s->hci, s->rep, step, BCM_OP_UPDATE_BAUD_RATE, par, sizeof(par), s->timeout,
                    NULL, 0);
        if (r >= 0) {
                *ret_acked = true;
                r = host_speed(s, baud);
                if (r < 0)
                        return r;
                snprintf(step, sizeof(step), "verify at %u", baud);
                r = bcm_cmd(s->hci, s->rep, step, BCM_OP_READ_LOCAL_VERSION, NULL, 0, s->timeout, v,
                            sizeof(v));
                if (r == (int)sizeof(v))
                        return 0;
        }

        /* The controller is at the old speed (it ignored the command) or at the new one (its
         * answer was lost): a Reset keeps the speed, so ask at each. */
        (void)host_speed(s, UART_SPEED_INIT);
        (void)bt_tty_flush(s->fd);
        if (reset(s, "reset at 115200") >= 0)
                return -EIO;
        (void)host_speed(s, baud);
        if (reset(s, "reset at the new speed") >= 0)
                return 0;
        (void)host_speed(s, UART_SPEED_INIT);
        return -EHOSTDOWN;
}

/* Best speed of the ladder; a lower one degrades the result with the reason. */
static int raise_baud(Setup *s, uint32_t target)
{
        const char *dev = s->p->device ?: "the UART";
        uint32_t ladder[UART_SPEED_LADDER_MAX];
        size_t n = uart_speed_ladder(target, ladder);
        bool ignored = false, mute = false;
        uint32_t first_fail = 0;

        for (size_t i = 0; i < n; i++) {
                bool acked;
                int r = set_baud(s, ladder[i], &acked);

                if (r == 0)
                        break;
                if (r == -EHOSTDOWN)
                        return fail(s, -EHOSTDOWN,
                                    strdup_printf("the controller on %s stopped answering after "
                                                  "the change to %u baud, at that speed and at "
                                                  "115200",
                                                  dev, ladder[i]),
                                    strdup("power-cycle the controller (its enable GPIO) and set "
                                           "[Bluetooth] Baud= to a lower speed"));
                if (r < 0 && r != -EIO)
                        return fail(s, r, strdup("cannot set the UART's speed"), NULL);
                if (!first_fail)
                        first_fail = ladder[i];
                if (acked)
                        mute = true;
                else
                        ignored = true;
        }

        if (s->rep->baud >= s->rep->baud_wanted)
                return 0;
        if (ignored)
                degrade(s, -ETIMEDOUT,
                        strdup_printf("the controller did not answer Update UART Baud Rate "
                                      "(0xfc18) for %u baud (the kernel logs this as \"BCM: "
                                      "failed to write update baudrate (-110)\" or \"command "
                                      "0xfc18 tx timeout\"): RTS/CTS is missing on the wiring "
                                      "or in the device tree; running at %u baud",
                                      first_fail, s->rep->baud),
                        strdup("give the Bluetooth UART its CTS/RTS pins in the device tree "
                               "(a pinctrl group with CTS/RTS and uart-has-rtscts, as the "
                               "board's stock tree has), or set [Bluetooth] Baud= to the speed "
                               "reached to stop asking."));
        else if (mute)
                degrade(s, -EIO,
                        strdup_printf("the controller acknowledged %u baud but did not answer "
                                      "at that speed: the UART's clock cannot make it; running at "
                                      "%u baud",
                                      first_fail, s->rep->baud),
                        strdup("set [Bluetooth] Baud= to the speed reached; on a Raspberry Pi "
                               "keep the firmware's UART clock (no init_uart_clock= below "
                               "48 MHz)."));
        return 0;
}

static int patch(Setup *s, const BtHcd *hcd)
{
        const char *dev = s->p->device ?: "the UART";
        uint64_t start = now_usec(CLOCK_MONOTONIC);
        int r;

        r = bcm_cmd(s->hci, s->rep, "download minidriver", BCM_OP_DOWNLOAD_MINIDRV, NULL, 0,
                    s->timeout, NULL, 0);
        if (r < 0)
                return fail(s, r,
                            strdup_printf("the controller refused the patch download (0xfc2e): "
                                          "%s",
                                          bt_hci_error(s->hci)),
                            strdup("power-cycle the controller and try again"));
        sleep_usec(MINIDRV_DELAY_USEC);
        start = now_usec(CLOCK_MONOTONIC);
        r = bcm_download_patch(s->hci, s->rep, hcd, s->timeout);
        step_add(s, "patch", start, r < 0 ? r : 0);
        if (r < 0)
                return fail(s, r,
                            strdup_printf("the patch download stopped at record %zu of %zu at %u "
                                          "baud: %s%s",
                                          s->rep->firmware_records + 1, hcd->n_records,
                                          s->rep->baud, bt_hci_error(s->hci),
                                          s->rep->baud > UART_SPEED_INIT && s->rep->flow_control
                                                  ? " (bytes lost to a receive overrun: RTS/CTS "
                                                    "is on but does not work on this wiring)"
                                                  : ""),
                            strdup_printf("power-cycle the controller; %s",
                                          s->rep->baud > UART_SPEED_INIT
                                                  ? "fix the CTS/RTS pins in the device tree or "
                                                    "set [Bluetooth] FlowControl=no so the patch "
                                                    "goes at 115200"
                                                  : "check the UART wiring and the patch file"));

        /* The patched firmware starts over at 115200 and is deaf for a moment. */
        start = now_usec(CLOCK_MONOTONIC);
        sleep_usec(LAUNCH_DELAY_USEC);
        r = host_speed(s, UART_SPEED_INIT);
        if (r < 0)
                return fail(s, r, strdup("cannot set the UART's speed"), NULL);
        (void)bt_tty_flush(s->fd);
        for (int i = 0; i < 3; i++) {
                r = reset(s, "reset after patch");
                if (r != -ETIMEDOUT)
                        break;
        }
        step_add(s, "launch", start, r < 0 ? r : 0);
        if (r < 0)
                return fail(s, r,
                            strdup_printf("the controller on %s did not come back after its "
                                          "patch was launched: %s",
                                          dev, bt_hci_error(s->hci)),
                            strdup("power-cycle the controller; if it happens again the patch "
                                   "file does not suit this chip"));
        return 0;
}

static int set_address(Setup *s)
{
        uint8_t wire[6], want[6];
        int r;

        r = bcm_cmd(s->hci, s->rep, "read address", BCM_OP_READ_BD_ADDR, NULL, 0, s->timeout, wire,
                    sizeof(wire));
        if (r < 0 || r != (int)sizeof(wire))
                return fail(s, r < 0 ? r : -EBADMSG,
                            strdup_printf("the controller's address is unreadable: %s",
                                          *bt_hci_error(s->hci) ? bt_hci_error(s->hci)
                                                                : "wrong length"),
                            strdup("power-cycle the controller"));
        for (int i = 0; i < 6; i++)
                s->rep->bdaddr[i] = wire[5 - i];
        if (s->p->address) {
                /* A fixed address from the configuration wins over whatever the chip has. */
                if (memcmp(s->p->address, s->rep->bdaddr, 6) == 0)
                        return 0;
                memcpy(want, s->p->address, 6);
        } else {
                if (!bcm_bdaddr_is_default(s->rep->bdaddr) || !s->p->serial)
                        return 0;
                if (bcm_bdaddr_from_serial(s->p->serial, want) < 0)
                        return 0;
        }
        for (int i = 0; i < 6; i++)
                wire[i] = want[5 - i];
        r = bcm_cmd(s->hci, s->rep, "write address", BCM_OP_WRITE_BD_ADDR, wire, sizeof(wire),
                    s->timeout, NULL, 0);
        if (r < 0) {
                degrade(s, r,
                        strdup_printf("the controller kept its default address (setting one "
                                      "failed: %s)",
                                      bt_hci_error(s->hci)),
                        NULL);
                return 0;
        }
        memcpy(s->rep->bdaddr, want, 6);
        s->rep->bdaddr_assigned = true;
        return 0;
}

int bcm_setup(int fd, const BcmSetupParams *p, BcmReport *rep)
{
        _cleanup_(bt_hci_freep) BtHci *hci = NULL;
        _cleanup_(bt_hcd_freep) BtHcd *hcd = NULL;
        uint64_t start = now_usec(CLOCK_MONOTONIC), t;
        Setup s = {.fd = fd, .p = p, .rep = rep, .timeout = p->timeout_usec ?: USEC_PER_SEC};
        uint32_t target = p->target_baud > UART_SPEED_INIT ? p->target_baud : UART_SPEED_INIT;
        int r;

        rep->baud = UART_SPEED_INIT;
        rep->baud_wanted = target;
        rep->flow_control = p->flow_control;
        r = bt_tty_configure(fd, UART_SPEED_INIT, p->flow_control);
        if (r < 0)
                return fail(
                        &s, r,
                        strdup_printf("%s is not a usable serial port", p->device ?: "the UART"),
                        NULL);
        (void)bt_tty_flush(fd);
        r = bt_hci_new(fd, &hci);
        if (r < 0)
                return fail(&s, r, strdup("cannot set up HCI on the UART"), NULL);
        s.hci = hci;

        r = contact(&s);
        if (r >= 0)
                r = identify(&s, false);
        if (r < 0)
                goto finish;
        if (!rep->flow_control && target > UART_SPEED_NO_FLOW_MAX)
                target = UART_SPEED_NO_FLOW_MAX;

        t = now_usec(CLOCK_MONOTONIC);
        r = bt_firmware_find(p->sysroot, p->firmware_dirs,
                             bcm_chip_from_subversion(rep->subversion), p->compatibles,
                             &rep->firmware_path, &rep->firmware_tried);
        if (r > 0) {
                _cleanup_free_ char *why = NULL;

                r = bt_hcd_load(rep->firmware_path, &hcd, &why);
                step_add(&s, "load patch", t, r < 0 ? r : 0);
                if (r < 0) {
                        r = fail(&s, r,
                                 strdup_printf("the patch %s is unusable: %s, so nothing of it "
                                               "was sent",
                                               rep->firmware_path, why ? why : strerror(-r)),
                                 strdup("reinstall it (Debian: bluez-firmware; Raspberry Pi OS: "
                                        "bluez-firmware) or remove it"));
                        goto finish;
                }
                rep->firmware_size = hcd->size;
        } else if (r == 0) {
                _cleanup_free_ char *tried = strv_join(rep->firmware_tried, ", ");

                degrade(&s, -ENOENT,
                        strdup_printf("no patch for %s, so it runs its ROM firmware (tried %s)",
                                      rep->chip, strna(tried)),
                        strdup("install the patch: Debian's bluez-firmware package "
                               "(non-free-firmware) and Raspberry Pi OS's bluez-firmware ship "
                               "brcm/*.hcd; or add its directory to [Bluetooth] FirmwareDirs=."));
        } else
                goto finish;

        /* With working flow control the patch goes at the operating speed; without, at 115200,
         * where the controller's receive FIFO keeps up. */
        if (hcd && rep->flow_control && target > UART_SPEED_INIT) {
                r = raise_baud(&s, target);
                if (r < 0)
                        goto finish;
                target = rep->baud > UART_SPEED_INIT ? rep->baud : UART_SPEED_INIT;
        }
        if (hcd) {
                r = patch(&s, hcd);
                if (r < 0)
                        goto finish;
        }
        /* At 115200 now (a patched firmware starts over there): the speed first, so that the
         * reads after it take a tenth of the time on the wire or less. */
        if (target > UART_SPEED_INIT) {
                r = raise_baud(&s, target);
                if (r < 0)
                        goto finish;
        }
        if (hcd) {
                r = identify(&s, true);
                if (r < 0)
                        goto finish;
        }
        r = set_address(&s);
        if (r >= 0)
                r = read_name(&s);
        if (r >= 0 && p->expected_chip && !streq(p->expected_chip, rep->chip))
                degrade(&s, 0,
                        strdup_printf("the board should carry a %s but the controller is a %s",
                                      p->expected_chip, rep->chip),
                        NULL);
finish:
        rep->total_usec = now_usec(CLOCK_MONOTONIC) - start;
        return r < 0 ? r : 0;
}
