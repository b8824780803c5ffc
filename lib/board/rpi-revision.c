/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Decodes Raspberry Pi revision codes, as documented in the Raspberry Pi "Revision codes" page. */
#include "board.h"
#include "util.h"

/* New-style layout, bit 23 set: NOQuuuWuFMMMCCCCPPPPTTTTTTTTRRRR. */
#define REV_NEW_FLAG        (1U << 23)
#define REV_MEMORY(c)       (((c) >> 20) & 0x7U)
#define REV_MANUFACTURER(c) (((c) >> 16) & 0xfU)
#define REV_PROCESSOR(c)    (((c) >> 12) & 0xfU)
#define REV_TYPE(c)         (((c) >> 4) & 0xffU)
#define REV_PCB(c)          ((c)&0xfU)

static const unsigned memory_mib[] = {256, 512, 1024, 2048, 4096, 8192, 16384};

static const char *const manufacturers[] = {
        "Sony UK", "Egoman", "Embest", "Sony Japan", "Embest", "Stadium",
};

static const char *const processors[] = {
        "BCM2835", "BCM2836", "BCM2837", "BCM2711", "BCM2712",
};

/* Type codes; gaps are codes the documentation does not assign. */
static const char *const types[] = {
        [0x00] = "A",
        [0x01] = "B",
        [0x02] = "A+",
        [0x03] = "B+",
        [0x04] = "2B",
        [0x05] = "Alpha",
        [0x06] = "CM1",
        [0x08] = "3B",
        [0x09] = "Zero",
        [0x0a] = "CM3",
        [0x0c] = "Zero W",
        [0x0d] = "3B+",
        [0x0e] = "3A+",
        [0x0f] = "Internal use only",
        [0x10] = "CM3+",
        [0x11] = "4B",
        [0x12] = "Zero 2 W",
        [0x13] = "400",
        [0x14] = "CM4",
        [0x15] = "CM4S",
        [0x16] = "Internal use only",
        [0x17] = "5",
        [0x18] = "CM5",
        [0x19] = "500",
        [0x1a] = "CM5 Lite",
};

/* Old-style codes 0002..0015: all BCM2835. */
typedef struct OldRevision {
        const char *type;
        unsigned major, minor;
        unsigned memory_mib; /* 0 where the documentation says "256MB/512MB" */
        const char *manufacturer;
} OldRevision;

static const OldRevision old_revisions[] = {
        [0x02] = {"B", 1, 0, 256, "Egoman"},    [0x03] = {"B", 1, 0, 256, "Egoman"},
        [0x04] = {"B", 2, 0, 256, "Sony UK"},   [0x05] = {"B", 2, 0, 256, "Qisda"},
        [0x06] = {"B", 2, 0, 256, "Egoman"},    [0x07] = {"A", 2, 0, 256, "Egoman"},
        [0x08] = {"A", 2, 0, 256, "Sony UK"},   [0x09] = {"A", 2, 0, 256, "Qisda"},
        [0x0d] = {"B", 2, 0, 512, "Egoman"},    [0x0e] = {"B", 2, 0, 512, "Sony UK"},
        [0x0f] = {"B", 2, 0, 512, "Egoman"},    [0x10] = {"B+", 1, 2, 512, "Sony UK"},
        [0x11] = {"CM1", 1, 0, 512, "Sony UK"}, [0x12] = {"A+", 1, 1, 256, "Sony UK"},
        [0x13] = {"B+", 1, 2, 512, "Embest"},   [0x14] = {"CM1", 1, 0, 512, "Embest"},
        [0x15] = {"A+", 1, 1, 0, "Embest"},
};

void rpi_revision_decode(uint32_t code, BoardRevision *ret)
{
        BoardRevision r = {
                .present = true,
                .code = code,
        };

        if (code & REV_NEW_FLAG) {
                r.new_style = true;
                if (REV_MEMORY(code) < ELEMENTSOF(memory_mib))
                        r.memory_mib = memory_mib[REV_MEMORY(code)];
                if (REV_MANUFACTURER(code) < ELEMENTSOF(manufacturers))
                        r.manufacturer = manufacturers[REV_MANUFACTURER(code)];
                if (REV_PROCESSOR(code) < ELEMENTSOF(processors))
                        r.processor = processors[REV_PROCESSOR(code)];
                if (REV_TYPE(code) < ELEMENTSOF(types))
                        r.type = types[REV_TYPE(code)];
                r.pcb_major = 1;
                r.pcb_revision = REV_PCB(code);
        } else {
                /* Bit 24 marks a voided warranty on old boards; the code is the low 24 bits. */
                uint32_t old = code & 0xffffffU;

                if (old < ELEMENTSOF(old_revisions) && old_revisions[old].type) {
                        const OldRevision *o = &old_revisions[old];
                        r.type = o->type;
                        r.pcb_major = o->major;
                        r.pcb_revision = o->minor;
                        r.memory_mib = o->memory_mib;
                        r.manufacturer = o->manufacturer;
                        r.processor = "BCM2835";
                }
        }
        *ret = r;
}
