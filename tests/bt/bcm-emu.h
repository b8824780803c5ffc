/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* An emulated Broadcom UART Bluetooth controller on the master side of a pty (or a socket). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* Fault modes, each as the hardware shows it. */
enum {
        BCM_EMU_SILENT = 1 << 0,      /* powered off: reads, never answers */
        BCM_EMU_IGNORE_BAUD = 1 << 1, /* no Command Complete for 0xfc18, speed unchanged */
        BCM_EMU_NO_CTS = 1 << 2,      /* never reads while the host has RTS/CTS on */
        BCM_EMU_ONLY_115200 = 1 << 3, /* acknowledges 0xfc18 but stays at 115200 */
        BCM_EMU_OVERRUN = 1 << 4,     /* loses bytes above 115200 during a patch download */
        BCM_EMU_TRUNCATED = 1 << 5,   /* Read Local Version answers are cut short */
        BCM_EMU_OVERSIZED = 1 << 6,   /* Read Local Version answers are too long */
        BCM_EMU_LATE = 1 << 7,        /* every answer comes late_usec late */
        BCM_EMU_BAD_NAME = 1 << 8,    /* Read Local Name: Latin-1, an escape sequence, 0xff */
};

typedef struct BcmEmuConfig {
        const char *chip;     /* BCM43430A1, BCM43430B0, BCM4345C0, BCM4345C5 */
        const char *hcd_path; /* the patch a download must match; NULL accepts any */
        unsigned faults;
        uint64_t late_usec;
        /* On a pty each answer's last byte reaches the host when a real wire would deliver it:
         * latency_usec (the chip's work on the command) after the command's last byte arrived,
         * plus the answer's bytes x 10 / baud. no_pacing answers at once. */
        uint64_t latency_usec;
        bool no_pacing;
} BcmEmuConfig;

typedef struct BcmEmuStats {
        uint64_t bytes_received;
        uint64_t garbage_received; /* bytes that came at a speed the chip was not at */
        unsigned commands;
        unsigned records_ok; /* patch records that matched the file, in order */
        bool patch_ok;       /* every record matched and Launch RAM came last */
        bool patch_mismatch;
        unsigned dropped; /* bytes lost to the overrun fault */
        uint32_t baud;
        uint8_t bdaddr[6]; /* most significant first */
        unsigned baud_changes;
        unsigned downloads;        /* Download Minidriver (0xfc2e) commands seen */
        unsigned unknown_commands; /* answered "Unknown HCI Command", as a chip does */
        uint16_t last_unknown;
        /* Where the time went, on a paced pty: the host's turns (from an answer written to the
         * next command's first byte read), and answers this emulator could not send when its
         * wire model said (a slow machine: the figures then include its own delays). */
        uint64_t host_usec;
        unsigned host_turns;
        uint64_t late_usec, late_usec_max;
        unsigned late_answers; /* later than the model by more than 100 us */
} BcmEmuStats;

typedef struct BcmEmu BcmEmu;

/* Serves fd on a thread until bcm_emu_stop(). */
int bcm_emu_start(int fd, const BcmEmuConfig *c, BcmEmu **ret);
void bcm_emu_stop(BcmEmu *e, BcmEmuStats *ret_stats);
/* Serves fd on the calling thread until *stop becomes true or the peer goes away. With
 * BCM_EMU_TRACE=1 in the environment it writes each answer (opcode, status, return length) to
 * stderr: what a host sent, in order. */
int bcm_emu_serve(int fd, const BcmEmuConfig *c, volatile bool *stop, BcmEmuStats *ret_stats);
/* "silent", "ignore-baud", ... as a BCM_EMU_* flag; 0 when unknown. */
unsigned bcm_emu_fault_from_string(const char *s);
