/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Board detection on vendor trees (Pi downstream, Khadas 5.15) and a mainline-style VIM1S. */
#include <sys/stat.h>

#include "test-board-expect.h"

#define PI_GPIO_2711                                                                               \
        .gpio_path = "/soc/gpio@7e200000", .gpio_label = "pinctrl-bcm2711",                        \
        .gpio_compatible = "brcm,bcm2711-gpio", .gpio_lines = 58, .gpio_names = 58
#define PI4_DOWNSTREAM_BT(chip_)                                                                   \
        {                                                                                          \
                .uart_path = "/soc/serial@7e201000", .uart_label = "uart0",                        \
                .uart_alias = "serial1", .uart_kind = "pl011", .uart_compatible = "arm,pl011-axi", \
                .uart_has_rtscts = true, .pins = "unknown",                                        \
                .evidence = {"uart0_pins muxes GPIO32 ALT3 = TXD0, GPIO33 ALT3 = RXD0",            \
                             "bt_pins muxes nothing (its brcm,pins is a placeholder",              \
                             "the firmware muxes the Bluetooth UART's CTS/RTS at boot"},           \
                .kernel_attach = true, .node_path = "/soc/serial@7e201000/bluetooth",              \
                .compatible = "brcm,bcm43438-bt", .max_speed = 3000000,                            \
                .shutdown = "/soc/firmware/gpio:0", .chip = chip_, .expected_baud = 3000000        \
        }
#define VIM1S_VENDOR_GPIO   "/soc/apb4@fe000000/pinctrl@4000/bank@4000"
#define VIM1S_MAINLINE_GPIO "/soc/bus@fe000000/pinctrl@4000/bank@4000"

/* Current downstream Pi 3 B: BT at 921600 without flow control is what this board does; the
 * uart0 group without CTS/RTS is no accusation here. */
static const BoardExpect rpi_3_b = {
        .file = "rpi-3-b-downstream.dtb",
        .id = "rpi-3-b",
        .family = "rpi",
        .flavour = "rpi-downstream",
        .model = "Raspberry Pi 3 Model B Rev 1.2",
        .soc = "bcm2837",
        .serial = "000000004c3a9f21",
        .revision = "0xa02082 3B 1.2 1024 Sony UK BCM2837",
        .bt_present = true,
        .bt = {.uart_path = "/soc/serial@7e201000",
               .uart_label = "uart0",
               .uart_alias = "serial1",
               .uart_kind = "pl011",
               .uart_compatible = "arm,pl011",
               .pins = "no",
               .evidence = {"uart0_pins muxes GPIO32 ALT3 = TXD0, GPIO33 ALT3 = RXD0",
                            "bt_pins muxes GPIO43 ALT0"},
               .kernel_attach = true,
               .node_path = "/soc/serial@7e201000/bluetooth",
               .compatible = "brcm,bcm43438-bt",
               .max_speed = 921600,
               .shutdown = "/soc/firmware/gpio:0",
               .chip = "BCM43430A1",
               .expected_baud = 921600},
        .audio = "hdmi /soc/hdmi@7e902000 -; firmware /soc/mailbox@7e00b840 +",
        .gpio_path = "/soc/gpio@7e200000",
        .gpio_label = "pinctrl-bcm2835",
        .gpio_compatible = "brcm,bcm2835-gpio",
        .gpio_lines = 54,
        .gpio_names = 54,
        .findings = {"The HDMI audio nodes are disabled",
                     "(snd_bcm2835.enable_headphones=0): add snd_bcm2835.enable_headphones=1 to "
                     "the kernel command line"},
};

/* The rpi-5.4 era: no Bluetooth node, user space attaches it on serial1; /soc/audio. */
static const BoardExpect rpi_3_b_5_4 = {
        .file = "rpi-3-b-downstream-5.4.dtb",
        .id = "rpi-3-b",
        .family = "rpi",
        .flavour = "rpi-downstream",
        .model = "Raspberry Pi 3 Model B Rev 1.2",
        .soc = "bcm2837",
        .serial = "00000000a1b2c3d4",
        .revision = "0xa22082 3B 1.2 1024 Embest BCM2837",
        .bt_present = true,
        .bt = {.uart_path = "/soc/serial@7e201000",
               .uart_alias = "serial1",
               .uart_kind = "pl011",
               .uart_compatible = "brcm,bcm2835-pl011",
               .pins = "no",
               .evidence = {"GPIO32 ALT3 = TXD0", "bt_pins muxes GPIO43 ALT0"},
               .chip = "BCM43430A1",
               .expected_baud = 921600},
        .audio = "analog /soc/audio +",
        .gpio_path = "/soc/gpio@7e200000",
        .gpio_label = "pinctrl-bcm2835",
        .gpio_compatible = "brcm,bcm2835-gpio",
        .gpio_lines = 54,
        .findings = {"serial1 (/soc/serial@7e201000) has no Bluetooth child node, so the kernel "
                     "does not attach the controller; it has to be attached from user space."},
};

static const BoardExpect rpi_4_b = {
        .file = "rpi-4-b-downstream.dtb",
        .id = "rpi-4-b",
        .family = "rpi",
        .flavour = "rpi-downstream",
        .model = "Raspberry Pi 4 Model B Rev 1.4",
        .soc = "bcm2711",
        .serial = "10000000a1b2c3d4",
        .revision = "0xc03114 4B 1.4 4096 Sony UK BCM2711",
        .bt_present = true,
        .bt = PI4_DOWNSTREAM_BT("BCM4345C0"),
        .audio = "hdmi /soc/hdmi@7ef00700 -; hdmi /soc/hdmi@7ef05700 -; "
                 "firmware /soc/mailbox@7e00b840 +",
        PI_GPIO_2711,
        .findings = {"The HDMI audio nodes are disabled", "snd_bcm2835.enable_headphones=1"},
};

/* No headphone jack on the 400: bootargs without enable_headphones=1 is no finding. */
static const BoardExpect rpi_400 = {
        .file = "rpi-400-downstream.dtb",
        .id = "rpi-400",
        .family = "rpi",
        .flavour = "rpi-downstream",
        .model = "Raspberry Pi 400 Rev 1.0",
        .soc = "bcm2711",
        .serial = "100000004d5e6f70",
        .revision = "0xc03130 400 1.0 4096 Sony UK BCM2711",
        .bt_present = true,
        .bt = PI4_DOWNSTREAM_BT("BCM4345C5"),
        .audio = "hdmi /soc/hdmi@7ef00700 +; hdmi /soc/hdmi@7ef05700 +; "
                 "firmware /soc/mailbox@7e00b840 +",
        PI_GPIO_2711,
};

static const BoardExpect rpi_5_b = {
        .file = "rpi-5-b-downstream.dtb",
        .id = "rpi-5-b",
        .family = "rpi",
        .flavour = "rpi-downstream",
        .model = "Raspberry Pi 5 Model B Rev 1.0",
        .soc = "bcm2712",
        .serial = "e4a1c2b3d4e5f607",
        .revision = "0xd04170 5 1.0 8192 Sony UK BCM2712",
        .bt_present = true,
        .bt = {.uart_path = "/soc/serial@7d50c000",
               .uart_label = "uarta",
               .uart_kind = "8250",
               .uart_compatible = "brcm,bcm7271-uart",
               .uart_has_rtscts = true,
               .pins = "yes",
               .evidence = {"uarta_24_pins muxes gpio25 uart0 = CTS, gpio24 uart0 = RTS",
                            "bt_shutdown_pins muxes gpio29 gpio", "CTS and RTS are muxed"},
               .kernel_attach = true,
               .node_path = "/soc/serial@7d50c000/bluetooth",
               .compatible = "brcm,bcm43438-bt",
               .max_speed = 3000000,
               .shutdown = "/soc/gpio@7d508500:29",
               .chip = "BCM4345C0",
               .expected_baud = 3000000},
        .audio = "hdmi /soc/hdmi@7ef00700 -; hdmi /soc/hdmi@7ef05700 -",
        .gpio_path = "/axi/pcie@120000/rp1/gpio@d0000",
        .gpio_label = "pinctrl-rp1",
        .gpio_compatible = "raspberrypi,rp1-gpio",
        .gpio_lines = 54,
        .gpio_names = 54,
        .findings = {"No audio output is enabled", "The HDMI audio nodes are disabled"},
};

static const BoardExpect vim1s_vendor = {
        .file = "khadas-vim1s-vendor.dtb",
        .id = "khadas-vim1s",
        .family = "amlogic",
        .flavour = "khadas-vendor",
        .model = "Khadas VIM1S",
        .soc = "s905y4",
        .bt_present = true,
        .bt = {.uart_path = "/soc/serial@fe078000",
               .uart_label = "uart_A",
               .uart_alias = "serial1",
               .uart_kind = "meson",
               .uart_compatible = "amlogic,meson-uart",
               .uart_has_rtscts = true,
               .pins = "yes",
               .evidence = {"a_uart muxes groups uart_a_tx, uart_a_rx, uart_a_cts, uart_a_rts "
                            "(function uart_a)"},
               .node_path = "/aml_bt",
               .compatible = "amlogic, aml-bt",
               .shutdown = VIM1S_VENDOR_GPIO ":65",
               .reset = VIM1S_VENDOR_GPIO ":65",
               .wakeup = VIM1S_VENDOR_GPIO ":66",
               .chip = "BCM4345C5",
               .expected_baud = 2000000},
        .audio = "hdmi /amhdmitx +; sound-card /auge_sound +",
        .gpio_path = VIM1S_VENDOR_GPIO,
        .gpio_label = "periphs-banks",
        .gpio_compatible = "amlogic,meson-s4-periphs-pinctrl",
        .gpio_lines = 82,
        .findings = {"uart_A (/soc/serial@fe078000) has no Bluetooth child node, so the kernel "
                     "does not attach the controller; it has to be attached from user space (the "
                     "tree powers it through /aml_bt)."},
};

static const BoardExpect vim1s_mainline = {
        .file = "khadas-vim1s-mainline.dtb",
        .id = "khadas-vim1s",
        .family = "amlogic",
        .flavour = "mainline",
        .model = "Khadas VIM1S",
        .soc = "s905y4",
        .bt_present = true,
        .bt = {.uart_path = "/soc/bus@fe000000/serial@78000",
               .uart_label = "uart_a",
               .uart_kind = "meson",
               .uart_compatible = "amlogic,meson-s4-uart",
               .uart_has_rtscts = true,
               .pins = "yes",
               .evidence = {"uart-a-cts-rts muxes groups uart_a_cts, uart_a_rts"},
               .kernel_attach = true,
               .node_path = "/soc/bus@fe000000/serial@78000/bluetooth",
               .compatible = "brcm,bcm4345c5",
               .max_speed = 2000000,
               .shutdown = VIM1S_MAINLINE_GPIO ":65",
               .chip = "BCM4345C5",
               .expected_baud = 2000000},
        .gpio_path = VIM1S_MAINLINE_GPIO,
        .gpio_label = "periphs-banks",
        .gpio_compatible = "amlogic,meson-s4-periphs-pinctrl",
        .gpio_lines = 82,
        .findings = {"No audio output is enabled"},
};

static void check_fixture(const BoardExpect *e)
{
        _cleanup_(board_freep) Board *b = NULL;
        _cleanup_free_ char *path = strdup_printf("%s/%s", HWCTL_BOARD_FIXTURE_DTB_DIR, e->file);
        _cleanup_free_ char *error = NULL;
        int r;

        r = board_detect_from_dtb(path, &b, &error);
        ASSERT_INT_EQ(r, 0);
        if (r < 0) {
                fprintf(stderr, "  %s\n", strna(error));
                return;
        }
        check_board(e, b);
}

static void test_rpi_3_b_downstream(void)
{
        check_fixture(&rpi_3_b);
}
static void test_rpi_3_b_downstream_userspace_bt(void)
{
        check_fixture(&rpi_3_b_5_4);
}
static void test_rpi_4_b_downstream_firmware_pins(void)
{
        check_fixture(&rpi_4_b);
}
static void test_rpi_400_downstream(void)
{
        check_fixture(&rpi_400);
}
static void test_rpi_5_b_downstream(void)
{
        check_fixture(&rpi_5_b);
}
static void test_khadas_vim1s_vendor(void)
{
        check_fixture(&vim1s_vendor);
}
static void test_khadas_vim1s_mainline(void)
{
        check_fixture(&vim1s_mainline);
}

int main(void)
{
        _cleanup_free_ char *probe =
                strdup_printf("%s/%s", HWCTL_BOARD_FIXTURE_DTB_DIR, rpi_3_b.file);

        if (access(probe, R_OK) < 0)
                TEST_SKIP("the board fixtures were not compiled into %s (is dtc installed?)",
                          HWCTL_BOARD_FIXTURE_DTB_DIR);

        TEST_RUN(test_rpi_3_b_downstream);
        TEST_RUN(test_rpi_3_b_downstream_userspace_bt);
        TEST_RUN(test_rpi_4_b_downstream_firmware_pins);
        TEST_RUN(test_rpi_400_downstream);
        TEST_RUN(test_rpi_5_b_downstream);
        TEST_RUN(test_khadas_vim1s_vendor);
        TEST_RUN(test_khadas_vim1s_mainline);
        return test_exit();
}
