/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The pinctrl debugfs files (pinmux-pins, pins) the Bluetooth probe reads for the live RTS/CTS
 * muxing, looked up for every pin a UART could use. */
#include "bt-pinctrl.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        _cleanup_free_ char *text = malloc(size + 1);
        char function[24];

        FUZZ_ASSERT(text);
        memcpy(text, data, size);
        text[size] = 0;
        for (unsigned pin = 0; pin < 64; pin++) {
                BtPinMux m = {};
                (void)bt_pinmux_pins_lookup(text, pin, &m);
                (void)bt_pinctrl_pins_function(text, pin, function);
        }
        return 0;
}
