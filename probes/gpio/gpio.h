/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The gpio probe's public face: [GPIO] Line= declarations, how a PIN names a line of the board,
 * and the legacy facts that break old GPIO code. Pure: nothing here touches a device. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include "board.h"
#include "config.h"

/* The kernel keeps 32 bytes of a consumer name, NUL included (GPIO_MAX_NAME_SIZE). */
#define GPIO_CONSUMER_MAX      31
#define GPIO_NAME_MAX          64
#define GPIO_DEBOUNCE_MSEC_MAX 1000U

typedef enum GpioDirection {
        GPIO_DIRECTION_INPUT,
        GPIO_DIRECTION_OUTPUT,
        _GPIO_DIRECTION_MAX,
} GpioDirection;

typedef enum GpioBias {
        GPIO_BIAS_AS_IS, /* not stated: the controller keeps what it has */
        GPIO_BIAS_PULL_UP,
        GPIO_BIAS_PULL_DOWN,
        GPIO_BIAS_DISABLED,
        _GPIO_BIAS_MAX,
} GpioBias;

typedef enum GpioDrive {
        GPIO_DRIVE_PUSH_PULL,
        GPIO_DRIVE_OPEN_DRAIN,
        GPIO_DRIVE_OPEN_SOURCE,
        _GPIO_DRIVE_MAX,
} GpioDrive;

/* One Line= assignment: NAME PIN DIRECTION [OPTION...]. */
typedef struct GpioLineSpec {
        char *name; /* [A-Za-z0-9_.-], 1..GPIO_NAME_MAX */
        char *pin;  /* as written: GPIO17, pin11, pinctrl-bcm2835:17, SDA1 */
        GpioDirection direction;
        bool high; /* outputs: the initial (logical) value; default low */
        bool active_low;
        GpioBias bias;
        GpioDrive drive;      /* outputs only */
        unsigned debounce_ms; /* inputs only; 0: none */
} GpioLineSpec;

/* Parses one Line= value. -EINVAL with *ret_error (allocated, when given) saying what is wrong;
 * -ENOMEM. */
int gpio_line_spec_parse(const char *text, GpioLineSpec *ret, char **ret_error);
void gpio_line_spec_done(GpioLineSpec *s);
int gpio_line_spec_copy(const GpioLineSpec *s, GpioLineSpec *ret); /* -ENOMEM */
/* The declaration again, normalised: "button GPIO27 input active-low pull-up". */
char *gpio_line_spec_format(const GpioLineSpec *s);
/* "hwctld:NAME", cut to what the kernel keeps. */
char *gpio_consumer_name(const char *name);
/* Whether two specs ask the kernel for the same line configuration (not name or pin). */
bool gpio_line_spec_same_config(const GpioLineSpec *a, const GpioLineSpec *b);

const char *gpio_direction_to_string(GpioDirection d);
const char *gpio_bias_to_string(GpioBias b); /* "as-is", "pull-up", "pull-down", "disabled" */
const char *gpio_drive_to_string(GpioDrive d);

/* [GPIO]: every Line= assignment that parsed, in order (list semantics: they add up, an empty
 * one clears). A later line with the same NAME replaces the earlier one. */
typedef struct GpioSettings {
        char **lines;
} GpioSettings;

extern const ConfigSection gpio_config_section;

/* The declared lines of the settings, each parsed, a later NAME replacing an earlier one.
 * Lines that no longer parse (not possible through the config parser) are dropped. */
int gpio_settings_lines(const GpioSettings *s, GpioLineSpec **ret, size_t *ret_n);
void gpio_line_specs_free(GpioLineSpec *l, size_t n);

/* ---- Resolving a PIN against the board ---- */

typedef struct GpioPin {
        char *chip_label;      /* the gpiochip label the line is on */
        unsigned offset;       /* the line on that chip */
        bool header_chip;      /* chip_label is the 40-pin header's controller */
        int header_pin;        /* physical pin on the 40-pin header, 0 when not known */
        const char *line_name; /* from gpio-line-names, NULL when unnamed or not known */
} GpioPin;

/* Resolves pin for board b. -ENOENT / -EINVAL / -ERANGE with *ret_error (allocated) saying why
 * it cannot be resolved (naming the closest line names there are for an unknown name, and
 * what a power or ground pin is); -ENOMEM. */
int gpio_pin_resolve(const Board *b, const char *pin, GpioPin *ret, char **ret_error);
void gpio_pin_done(GpioPin *p);
/* The 40-pin header's pin carrying line offset of the header chip, 0 for none; and what a pin
 * that is no line carries ("3V3 power", "ground"), NULL for a GPIO pin or no header map. */
int gpio_header_pin_of_offset(const Board *b, unsigned offset);
const char *gpio_header_pin_power(const Board *b, unsigned pin);

/* ---- The legacy facts: what old GPIO code assumes and this kernel no longer gives ---- */

typedef struct GpioLegacy {
        bool rpi;           /* a Raspberry Pi: gpiomem and cpuinfo facts apply */
        int64_t sysfs_base; /* /sys/class/gpio/gpiochipN/base of the header chip, -1 unknown */
        bool sysfs_present; /* /sys/class/gpio exists (CONFIG_GPIO_SYSFS) */
        char **gpiomem;     /* the /dev/gpiomem* nodes there are */
        bool cpuinfo_hardware, cpuinfo_revision;
        unsigned example_offset; /* the line the sentence about numbers uses */
} GpioLegacy;

/* The sentence for a person, NULL when nothing bites; and the remedy, NULL likewise. */
char *gpio_legacy_summary(const GpioLegacy *l);
char *gpio_legacy_remedy(const GpioLegacy *l);
json_object *gpio_legacy_to_json(const GpioLegacy *l);
void gpio_legacy_done(GpioLegacy *l);
/* Whether /proc/cpuinfo text has "Hardware" and "Revision" lines (key, white space, ':'). */
void gpio_cpuinfo_scan(const char *text, bool *ret_hardware, bool *ret_revision);
/* The gid of name in the text of an /etc/group file; -ENOENT, -EINVAL on a line that is not
 * name:password:gid:members with a decimal gid (such lines are skipped, not fatal). */
int gpio_group_lookup(const char *text, const char *name, unsigned *ret_gid);
