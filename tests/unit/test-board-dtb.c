/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Board detection on the upstream DTBs of Debian's arm64 kernel: every board, fact, finding. */
#include <sys/stat.h>

#include "test-board-expect.h"

#define PI3_AUDIO                                                                                  \
        "hdmi /soc/hdmi@7e902000 +; i2s /soc/i2s@7e203000 -; firmware /soc/mailbox@7e00b840 +"
#define PI4_AUDIO                                                                                  \
        "hdmi /soc/hdmi@7ef00700 +; hdmi /soc/hdmi@7ef05700 +; i2s /soc/i2s@7e203000 -; "          \
        "firmware /soc/mailbox@7e00b840 +"
#define PL011_UART0                                                                                \
        .uart_path = "/soc/serial@7e201000", .uart_label = "uart0", .uart_alias = "serial0",       \
        .uart_kind = "pl011", .uart_compatible = "arm,pl011", .kernel_attach = true,               \
        .node_path = "/soc/serial@7e201000/bluetooth", .compatible = "brcm,bcm43438-bt",           \
        .max_speed = 2000000
#define CTSRTS_GPIO30                                                                              \
        {                                                                                          \
                "GPIO30 ALT3 = CTS0", "GPIO31 ALT3 = RTS0", "CTS and RTS are muxed"                \
        }
#define VIM3_GPIO "/soc/bus@ff600000/bus@34400/pinctrl@40/bank@40"

static const BoardExpect rpi_3_b = {
        .file = "bcm2837-rpi-3-b.dtb",
        .id = "rpi-3-b",
        .family = "rpi",
        .flavour = "mainline",
        .model = "Raspberry Pi 3 Model B",
        .soc = "bcm2837",
        .bt_present = true,
        .bt = {PL011_UART0, .pins = "no",
               .evidence = {"GPIO32 ALT3 = TXD0", "GPIO33 ALT3 = RXD0", "No group muxes both"},
               .shutdown = "/soc/firmware/gpio:0", .chip = "BCM43430A1", .expected_baud = 921600},
        .audio = PI3_AUDIO,
        .gpio_path = "/soc/gpio@7e200000",
        .gpio_label = "pinctrl-bcm2835",
        .gpio_compatible = "brcm,bcm2835-gpio",
        .gpio_lines = 54,
        .gpio_names = 54,
        .findings = {"uart0 (/soc/serial@7e201000) has no CTS/RTS pins in its pin group, so the "
                     "kernel Bluetooth driver will time out setting the baud rate"},
};

static const BoardExpect rpi_3_b_plus = {
        .file = "bcm2837-rpi-3-b-plus.dtb",
        .id = "rpi-3-b-plus",
        .family = "rpi",
        .flavour = "mainline",
        .model = "Raspberry Pi 3 Model B+",
        .soc = "bcm2837",
        .bt_present = true,
        .bt = {PL011_UART0, .pins = "yes", .evidence = CTSRTS_GPIO30,
               .shutdown = "/soc/firmware/gpio:0", .chip = "BCM4345C0", .expected_baud = 3000000},
        .audio = PI3_AUDIO,
        .gpio_path = "/soc/gpio@7e200000",
        .gpio_label = "pinctrl-bcm2835",
        .gpio_compatible = "brcm,bcm2835-gpio",
        .gpio_lines = 54,
        .gpio_names = 54,
        .findings = {"limits Bluetooth to 2000000 baud (max-speed); the board runs it at 3000000"},
};

static const BoardExpect rpi_3_a_plus = {
        .file = "bcm2837-rpi-3-a-plus.dtb",
        .id = "rpi-3-a-plus",
        .family = "rpi",
        .flavour = "mainline",
        .model = "Raspberry Pi 3 Model A+",
        .soc = "bcm2837",
        .bt_present = true,
        .bt = {PL011_UART0, .pins = "yes", .evidence = CTSRTS_GPIO30, .chip = "BCM4345C0",
               .expected_baud = 3000000},
        .audio = PI3_AUDIO,
        .gpio_path = "/soc/gpio@7e200000",
        .gpio_label = "pinctrl-bcm2835",
        .gpio_compatible = "brcm,bcm2835-gpio",
        .gpio_lines = 54,
        .gpio_names = 54,
        .findings = {"limits Bluetooth to 2000000 baud"},
};

static const BoardExpect rpi_zero_2_w = {
        .file = "bcm2837-rpi-zero-2-w.dtb",
        .id = "rpi-zero-2-w",
        .family = "rpi",
        .flavour = "mainline",
        .model = "Raspberry Pi Zero 2 W",
        .soc = "bcm2837",
        .bt_present = true,
        .bt = {PL011_UART0, .pins = "yes", .evidence = CTSRTS_GPIO30,
               .shutdown = "/soc/gpio@7e200000:42", .chip = "BCM43430B0", .expected_baud = 3000000},
        .audio = PI3_AUDIO,
        .gpio_path = "/soc/gpio@7e200000",
        .gpio_label = "pinctrl-bcm2835",
        .gpio_compatible = "brcm,bcm2835-gpio",
        .gpio_lines = 54,
        .gpio_names = 54,
        .findings = {"limits Bluetooth to 2000000 baud"},
};

static const BoardExpect rpi_cm3 = {
        .file = "bcm2837-rpi-cm3-io3.dtb",
        .id = "generic",
        .family = "rpi",
        .flavour = "mainline",
        .model = "Raspberry Pi Compute Module 3 IO board V3.0",
        .soc = "bcm2837",
        .audio = PI3_AUDIO,
        .gpio_path = "/soc/gpio@7e200000",
        .gpio_label = "pinctrl-bcm2835",
        .gpio_compatible = "brcm,bcm2835-gpio",
        .gpio_lines = 54,
        .gpio_names = 54,
};

#define PI4_BT(chip_)                                                                              \
        {                                                                                          \
                PL011_UART0, .uart_has_rtscts = true, .pins = "yes", .evidence = CTSRTS_GPIO30,    \
                             .shutdown = "/soc/firmware/gpio:0", .chip = chip_,                    \
                             .expected_baud = 3000000                                              \
        }

static const BoardExpect rpi_4_b = {
        .file = "bcm2711-rpi-4-b.dtb",
        .id = "rpi-4-b",
        .family = "rpi",
        .flavour = "mainline",
        .model = "Raspberry Pi 4 Model B",
        .soc = "bcm2711",
        .bt_present = true,
        .bt = PI4_BT("BCM4345C0"),
        .audio = PI4_AUDIO,
        .gpio_path = "/soc/gpio@7e200000",
        .gpio_label = "pinctrl-bcm2711",
        .gpio_compatible = "brcm,bcm2711-gpio",
        .gpio_lines = 58,
        .gpio_names = 58,
        .findings = {"limits Bluetooth to 2000000 baud"},
};

static const BoardExpect rpi_400 = {
        .file = "bcm2711-rpi-400.dtb",
        .id = "rpi-400",
        .family = "rpi",
        .flavour = "mainline",
        .model = "Raspberry Pi 400",
        .soc = "bcm2711",
        .bt_present = true,
        .bt = PI4_BT("BCM4345C5"),
        .audio = PI4_AUDIO,
        .gpio_path = "/soc/gpio@7e200000",
        .gpio_label = "pinctrl-bcm2711",
        .gpio_compatible = "brcm,bcm2711-gpio",
        .gpio_lines = 58,
        .gpio_names = 58,
        .findings = {"limits Bluetooth to 2000000 baud"},
};

static const BoardExpect rpi_cm4 = {
        .file = "bcm2711-rpi-cm4-io.dtb",
        .id = "rpi-cm4",
        .family = "rpi",
        .flavour = "mainline",
        .model = "Raspberry Pi Compute Module 4 IO Board",
        .soc = "bcm2711",
        .bt_present = true,
        .bt = PI4_BT("BCM4345C0"),
        .audio = PI4_AUDIO,
        .gpio_path = "/soc/gpio@7e200000",
        .gpio_label = "pinctrl-bcm2711",
        .gpio_compatible = "brcm,bcm2711-gpio",
        .gpio_lines = 58,
        .gpio_names = 58,
        .findings = {"limits Bluetooth to 2000000 baud"},
};

/* Linux 6.12's Pi 5 tree has neither the Bluetooth UART nor RP1 (the header's GPIO). */
static const BoardExpect rpi_5_b = {
        .file = "bcm2712-rpi-5-b.dtb",
        .id = "rpi-5-b",
        .family = "rpi",
        .flavour = "mainline",
        .model = "Raspberry Pi 5",
        .soc = "bcm2712",
        .bt = {.chip = "BCM4345C0", .expected_baud = 3000000},
        .findings = {"describes no Bluetooth UART; the board's BCM4345C0 cannot be attached",
                     "No audio output is enabled",
                     "no GPIO controller for the 40-pin header (expected the one the kernel "
                     "labels pinctrl-rp1)"},
};

#define VIM3_BT(uart_compat)                                                                       \
        {                                                                                          \
                .uart_path = "/soc/bus@ffd00000/serial@24000", .uart_label = "uart_A",             \
                .uart_kind = "meson", .uart_compatible = uart_compat, .uart_has_rtscts = true,     \
                .pins = "yes",                                                                     \
                .evidence =                                                                        \
                        {"uart-a muxes groups uart_a_tx, uart_a_rx",                               \
                         "uart-a-cts-rts muxes groups uart_a_cts, uart_a_rts (function uart_a)",   \
                         "CTS and RTS are muxed"},                                                 \
                .kernel_attach = true, .node_path = "/soc/bus@ffd00000/serial@24000/bluetooth",    \
                .compatible = "brcm,bcm43438-bt", .max_speed = 2000000,                            \
                .shutdown = VIM3_GPIO ":82", .chip = "BCM4359C0", .expected_baud = 2000000         \
        }

static const BoardExpect khadas_vim3 = {
        .file = "meson-g12b-a311d-khadas-vim3.dtb",
        .id = "khadas-vim3",
        .family = "amlogic",
        .flavour = "mainline",
        .model = "Khadas VIM3",
        .soc = "a311d",
        .bt_present = true,
        .bt = VIM3_BT("amlogic,meson-g12a-uart"),
        .audio = "hdmi /soc/bus@ff600000/bus@42000/audio-controller@744 +; "
                 "hdmi /soc/bus@ff600000/hdmi-tx@0 +; sound-card /sound +",
        .gpio_path = VIM3_GPIO,
        .gpio_label = "periphs-banks",
        .gpio_compatible = "amlogic,meson-g12a-periphs-pinctrl",
        .gpio_lines = 86,
};

static const BoardExpect khadas_vim3l = {
        .file = "meson-sm1-khadas-vim3l.dtb",
        .id = "khadas-vim3l",
        .family = "amlogic",
        .flavour = "mainline",
        .model = "Khadas VIM3L",
        .soc = "sm1",
        .bt_present = true,
        .bt = VIM3_BT("amlogic,meson-g12a-uart"),
        .audio = "hdmi /soc/bus@ff600000/bus@60000/audio-controller@744 +; "
                 "hdmi /soc/bus@ff600000/hdmi-tx@0 +; sound-card /sound +",
        .gpio_path = VIM3_GPIO,
        .gpio_label = "periphs-banks",
        .gpio_compatible = "amlogic,meson-g12a-periphs-pinctrl",
        .gpio_lines = 86,
};

/* Not in the board table: a generic Amlogic board, facts still read from the tree. */
static const BoardExpect khadas_vim = {
        .file = "meson-gxl-s905x-khadas-vim.dtb",
        .id = "generic",
        .family = "amlogic",
        .flavour = "mainline",
        .model = "Khadas VIM",
        .soc = "s905x",
        .bt_present = true,
        .bt = {.uart_path = "/soc/bus@c1100000/serial@84c0",
               .uart_kind = "meson",
               .uart_compatible = "amlogic,meson-gx-uart",
               .uart_has_rtscts = true,
               .pins = "yes",
               .evidence = {"groups uart_cts_a, uart_rts_a"},
               .kernel_attach = true,
               .node_path = "/soc/bus@c1100000/serial@84c0/bluetooth",
               .compatible = "brcm,bcm43438-bt",
               .max_speed = 2000000,
               .shutdown = "/soc/bus@c8834000/pinctrl@4b0/bank@4b0:96"},
        .audio = "hdmi /soc/hdmi-tx@c883a000 +; sound-card /sound +",
        .gpio_path = "/soc/bus@c8834000/pinctrl@4b0/bank@4b0",
        .gpio_label = "periphs-banks",
        .gpio_compatible = "amlogic,meson-gxl-periphs-pinctrl",
        .gpio_lines = 100,
        .gpio_names = 100,
};

static const BoardExpect amlogic_aq222 = {
        .file = "meson-s4-s805x2-aq222.dtb",
        .id = "generic",
        .family = "amlogic",
        .flavour = "mainline",
        .model = "Amlogic Meson S4 AQ222 Development Board",
        .soc = "s4",
        .gpio_path = "/soc/bus@fe000000/pinctrl@4000/bank@4000",
        .gpio_label = "periphs-banks",
        .gpio_compatible = "amlogic,meson-s4-periphs-pinctrl",
        .gpio_lines = 82,
        .findings = {"No audio output is enabled"},
};

static int n_checked;

static void check_dtb(const BoardExpect *e)
{
        _cleanup_(board_freep) Board *b = NULL;
        _cleanup_free_ char *path = strdup_printf("%s/%s", HWCTL_DTB_DIR, e->file);
        _cleanup_free_ char *error = NULL;
        json_object *j;
        int r;

        if (access(path, R_OK) < 0) {
                fprintf(stderr, "  SKIP %s: not in %s\n", e->file, HWCTL_DTB_DIR);
                return;
        }
        r = board_detect_from_dtb(path, &b, &error);
        ASSERT_INT_EQ(r, 0);
        if (r < 0) {
                fprintf(stderr, "  %s\n", strna(error));
                return;
        }
        check_board(e, b);
        j = board_to_json(b);
        ASSERT_NOT_NULL(j);
        json_object_put(j);
        n_checked++;
}

static void test_rpi_3_b_uart0_without_ctsrts(void)
{
        check_dtb(&rpi_3_b);
}
static void test_rpi_3_b_plus(void)
{
        check_dtb(&rpi_3_b_plus);
}
static void test_rpi_3_a_plus(void)
{
        check_dtb(&rpi_3_a_plus);
}
static void test_rpi_zero_2_w(void)
{
        check_dtb(&rpi_zero_2_w);
}
static void test_rpi_cm3_is_generic_rpi(void)
{
        check_dtb(&rpi_cm3);
}
static void test_rpi_4_b(void)
{
        check_dtb(&rpi_4_b);
}
static void test_rpi_400(void)
{
        check_dtb(&rpi_400);
}
static void test_rpi_cm4(void)
{
        check_dtb(&rpi_cm4);
}
static void test_rpi_5_b_without_bluetooth_and_rp1(void)
{
        check_dtb(&rpi_5_b);
}
static void test_khadas_vim3(void)
{
        check_dtb(&khadas_vim3);
}
static void test_khadas_vim3l(void)
{
        check_dtb(&khadas_vim3l);
}
static void test_khadas_vim_is_generic_amlogic(void)
{
        check_dtb(&khadas_vim);
}
static void test_aq222_is_generic_amlogic(void)
{
        check_dtb(&amlogic_aq222);
}

/* The JSON document carries every fact under stable keys. */
static void test_json_shape(void)
{
        _cleanup_(board_freep) Board *b = NULL;
        _cleanup_free_ char *path = strdup_printf("%s/bcm2711-rpi-4-b.dtb", HWCTL_DTB_DIR);
        json_object *j, *bt, *v;

        if (access(path, R_OK) < 0 || board_detect_from_dtb(path, &b, NULL) < 0) {
                TEST_FAIL("cannot load %s", path);
                return;
        }
        j = board_to_json(b);
        ASSERT_NOT_NULL(j);
        if (!j)
                return;
        ASSERT_TRUE(json_object_object_get_ex(j, "id", &v));
        ASSERT_STR_EQ(json_object_get_string(v), "rpi-4-b");
        ASSERT_TRUE(json_object_object_get_ex(j, "compatible", &v));
        ASSERT_INT_EQ(json_object_array_length(v), 2);
        ASSERT_TRUE(json_object_object_get_ex(j, "revision", &v));
        ASSERT_TRUE(json_object_is_type(v, json_type_null));
        ASSERT_TRUE(json_object_object_get_ex(j, "bluetooth", &bt));
        ASSERT_TRUE(json_object_object_get_ex(bt, "pins_rtscts", &v));
        ASSERT_STR_EQ(json_object_get_string(v), "yes");
        ASSERT_TRUE(json_object_object_get_ex(bt, "shutdown_gpio", &v));
        ASSERT_TRUE(json_object_is_type(v, json_type_object));
        ASSERT_TRUE(json_object_object_get_ex(j, "gpio", &v));
        ASSERT_TRUE(json_object_object_get_ex(v, "line_names", &v));
        ASSERT_INT_EQ(json_object_array_length(v), 58);
        ASSERT_TRUE(json_object_object_get_ex(j, "audio", &v));
        ASSERT_INT_EQ(json_object_array_length(v), 4);
        ASSERT_TRUE(json_object_object_get_ex(j, "findings", &v));
        ASSERT_INT_EQ(json_object_array_length(v), 1);
        json_object_put(j);
}

static void test_enum_strings_round_trip(void)
{
        for (int i = 0; i < _BOARD_ID_MAX; i++)
                ASSERT_INT_EQ(board_id_from_string(board_id_to_string(i)), i);
        for (int i = 0; i < _BOARD_FAMILY_MAX; i++)
                ASSERT_INT_EQ(board_family_from_string(board_family_to_string(i)), i);
        for (int i = 0; i < _TREE_FLAVOUR_MAX; i++)
                ASSERT_INT_EQ(tree_flavour_from_string(tree_flavour_to_string(i)), i);
        for (int i = 0; i < _UART_KIND_MAX; i++)
                ASSERT_INT_EQ(uart_kind_from_string(uart_kind_to_string(i)), i);
        ASSERT_INT_EQ(board_id_from_string("rpi-6"), _BOARD_ID_INVALID);
        ASSERT_INT_EQ(board_id_from_string(NULL), _BOARD_ID_INVALID);
        ASSERT_NULL(board_id_to_string(_BOARD_ID_MAX));
        ASSERT_STR_EQ(board_id_to_string(BOARD_KHADAS_VIM1S), "khadas-vim1s");
}

int main(void)
{
        struct stat st;

        if (stat(HWCTL_DTB_DIR, &st) < 0 || !S_ISDIR(st.st_mode))
                TEST_SKIP("no upstream DTBs in %s (run scripts/fetch-dtbs)", HWCTL_DTB_DIR);

        TEST_RUN(test_rpi_3_b_uart0_without_ctsrts);
        TEST_RUN(test_rpi_3_b_plus);
        TEST_RUN(test_rpi_3_a_plus);
        TEST_RUN(test_rpi_zero_2_w);
        TEST_RUN(test_rpi_cm3_is_generic_rpi);
        TEST_RUN(test_rpi_4_b);
        TEST_RUN(test_rpi_400);
        TEST_RUN(test_rpi_cm4);
        TEST_RUN(test_rpi_5_b_without_bluetooth_and_rp1);
        TEST_RUN(test_khadas_vim3);
        TEST_RUN(test_khadas_vim3l);
        TEST_RUN(test_khadas_vim_is_generic_amlogic);
        TEST_RUN(test_aq222_is_generic_amlogic);
        TEST_RUN(test_json_shape);
        TEST_RUN(test_enum_strings_round_trip);
        if (n_checked == 0)
                TEST_SKIP("none of the expected DTBs is in %s", HWCTL_DTB_DIR);
        return test_exit();
}
