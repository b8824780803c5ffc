/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* [GPIO] Line=NAME PIN DIRECTION [OPTION...]: parsing, the normal form, the section. */
#include <stdarg.h>
#include <stdio.h>

#include "gpio.h"
#include "util.h"

static const char *const direction_names[_GPIO_DIRECTION_MAX] = {"input", "output"};
static const char *const bias_names[_GPIO_BIAS_MAX] = {"as-is", "pull-up", "pull-down", "disabled"};
static const char *const drive_names[_GPIO_DRIVE_MAX] = {"push-pull", "open-drain", "open-source"};

const char *gpio_direction_to_string(GpioDirection d)
{
        return d >= 0 && d < _GPIO_DIRECTION_MAX ? direction_names[d] : NULL;
}

const char *gpio_bias_to_string(GpioBias b)
{
        return b >= 0 && b < _GPIO_BIAS_MAX ? bias_names[b] : NULL;
}

const char *gpio_drive_to_string(GpioDrive d)
{
        return d >= 0 && d < _GPIO_DRIVE_MAX ? drive_names[d] : NULL;
}

void gpio_line_spec_done(GpioLineSpec *s)
{
        free(s->name);
        free(s->pin);
        *s = (GpioLineSpec){};
}

static bool name_is_valid(const char *s)
{
        size_t n = strlen(s);

        if (n == 0 || n > GPIO_NAME_MAX)
                return false;
        for (; *s; s++)
                if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
                      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-' || *s == '.'))
                        return false;
        return true;
}

/* A PIN is printable ASCII without white space; what it names is settled against the board. */
static bool pin_is_plausible(const char *s)
{
        size_t n = strlen(s);

        if (n == 0 || n > 64)
                return false;
        for (; *s; s++)
                if (*s <= ' ' || *s > '~')
                        return false;
        return true;
}

int gpio_line_spec_parse(const char *text, GpioLineSpec *ret, char **ret_error)
{
        _cleanup_strv_free_ char **w = NULL;
        GpioLineSpec s = {};
        bool seen_value = false, seen_bias = false, seen_drive = false, seen_debounce = false,
             seen_active_low = false;
        size_t n;
        int r;

        r = strv_split_whitespace(text, &w);
        if (r < 0)
                return r;
        n = strv_length(w);
        if (n < 3)
                return error_printf(ret_error, -EINVAL,
                                    "expected NAME PIN DIRECTION [OPTION...], got %zu word%s", n,
                                    n == 1 ? "" : "s");
        if (!name_is_valid(w[0]))
                return error_printf(
                        ret_error, -EINVAL,
                        "'%.80s' is not a line name (1..%d letters, digits, '_', '-', '.')", w[0],
                        GPIO_NAME_MAX);
        if (!pin_is_plausible(w[1]))
                return error_printf(ret_error, -EINVAL,
                                    "'%.80s' is not a pin (GPIO17, pin11, LABEL:OFFSET)", w[1]);
        if (streq(w[2], "input"))
                s.direction = GPIO_DIRECTION_INPUT;
        else if (streq(w[2], "output"))
                s.direction = GPIO_DIRECTION_OUTPUT;
        else
                return error_printf(ret_error, -EINVAL,
                                    "'%.80s' is not a direction (input or output)", w[2]);

        for (size_t i = 3; i < n; i++) {
                const char *o = w[i], *v;
                bool out = s.direction == GPIO_DIRECTION_OUTPUT;

                if (streq(o, "high") || streq(o, "low")) {
                        if (!out)
                                return error_printf(ret_error, -EINVAL, "'%s' is for outputs only",
                                                    o);
                        if (seen_value)
                                return error_printf(ret_error, -EINVAL,
                                                    "the initial value is given twice");
                        seen_value = true;
                        s.high = streq(o, "high");
                } else if (streq(o, "active-low")) {
                        if (seen_active_low)
                                return error_printf(ret_error, -EINVAL,
                                                    "'active-low' is given twice");
                        seen_active_low = s.active_low = true;
                } else if (streq(o, "pull-up") || streq(o, "pull-down") ||
                           streq(o, "bias-disable")) {
                        if (seen_bias)
                                return error_printf(ret_error, -EINVAL, "the bias is given twice");
                        seen_bias = true;
                        s.bias = streq(o, "pull-up")     ? GPIO_BIAS_PULL_UP
                                 : streq(o, "pull-down") ? GPIO_BIAS_PULL_DOWN
                                                         : GPIO_BIAS_DISABLED;
                } else if (streq(o, "open-drain") || streq(o, "open-source")) {
                        if (!out)
                                return error_printf(ret_error, -EINVAL, "'%s' is for outputs only",
                                                    o);
                        if (seen_drive)
                                return error_printf(ret_error, -EINVAL, "the drive is given twice");
                        seen_drive = true;
                        s.drive = streq(o, "open-drain") ? GPIO_DRIVE_OPEN_DRAIN
                                                         : GPIO_DRIVE_OPEN_SOURCE;
                } else if ((v = startswith(o, "debounce="))) {
                        uint64_t ms;

                        if (out)
                                return error_printf(ret_error, -EINVAL,
                                                    "'debounce=' is for inputs only");
                        if (seen_debounce)
                                return error_printf(ret_error, -EINVAL,
                                                    "'debounce=' is given twice");
                        if (config_parse_decimal_max(v, GPIO_DEBOUNCE_MSEC_MAX, &ms) < 0)
                                return error_printf(
                                        ret_error, -EINVAL,
                                        "'%.80s' is not a debounce time (0..%u milliseconds)", o,
                                        GPIO_DEBOUNCE_MSEC_MAX);
                        seen_debounce = true;
                        s.debounce_ms = (unsigned)ms;
                } else
                        return error_printf(
                                ret_error, -EINVAL,
                                "'%.80s' is not an option (high, low, active-low, pull-up, "
                                "pull-down, bias-disable, open-drain, open-source, "
                                "debounce=MS)",
                                o);
        }
        s.name = strdup(w[0]);
        s.pin = strdup(w[1]);
        if (!s.name || !s.pin) {
                gpio_line_spec_done(&s);
                return -ENOMEM;
        }
        *ret = s;
        return 0;
}

char *gpio_line_spec_format(const GpioLineSpec *s)
{
        static const char *const bias_words[_GPIO_BIAS_MAX] = {"", " pull-up", " pull-down",
                                                               " bias-disable"};
        char debounce[32] = "";

        if (s->debounce_ms)
                snprintf(debounce, sizeof(debounce), " debounce=%u", s->debounce_ms);
        return strdup_printf(
                "%s %s %s%s%s%s%s%s%s", s->name, s->pin, direction_names[s->direction],
                s->direction == GPIO_DIRECTION_OUTPUT ? (s->high ? " high" : " low") : "",
                s->active_low ? " active-low" : "", bias_words[s->bias],
                s->drive == GPIO_DRIVE_PUSH_PULL ? "" : " ",
                s->drive == GPIO_DRIVE_PUSH_PULL ? "" : drive_names[s->drive], debounce);
}

int gpio_line_spec_copy(const GpioLineSpec *s, GpioLineSpec *ret)
{
        GpioLineSpec c = *s;

        c.name = strdup(s->name);
        c.pin = strdup(s->pin);
        if (!c.name || !c.pin) {
                gpio_line_spec_done(&c);
                return -ENOMEM;
        }
        *ret = c;
        return 0;
}

bool gpio_line_spec_same_config(const GpioLineSpec *a, const GpioLineSpec *b)
{
        return a->direction == b->direction && a->high == b->high &&
               a->active_low == b->active_low && a->bias == b->bias && a->drive == b->drive &&
               a->debounce_ms == b->debounce_ms;
}

char *gpio_consumer_name(const char *name)
{
        return strdup_printf("hwctld:%.*s", GPIO_CONSUMER_MAX - 7, name);
}

void gpio_line_specs_free(GpioLineSpec *l, size_t n)
{
        for (size_t i = 0; i < n; i++)
                gpio_line_spec_done(&l[i]);
        free(l);
}

int gpio_settings_lines(const GpioSettings *s, GpioLineSpec **ret, size_t *ret_n)
{
        GpioLineSpec *l = NULL;
        size_t n = 0;

        STRV_FOREACH (t, s ? s->lines : NULL) {
                GpioLineSpec spec;
                size_t i;
                int r = gpio_line_spec_parse(*t, &spec, NULL);

                if (r == -ENOMEM) {
                        gpio_line_specs_free(l, n);
                        return r;
                }
                if (r < 0)
                        continue;
                for (i = 0; i < n && !streq(l[i].name, spec.name); i++)
                        ;
                if (i < n) { /* a later declaration of the same name replaces the earlier */
                        gpio_line_spec_done(&l[i]);
                        memmove(&l[i], &l[i + 1], (n - i - 1) * sizeof(*l));
                        n--;
                }
                GpioLineSpec *grown = reallocarray(l, n + 1, sizeof(*l));
                if (!grown) {
                        gpio_line_spec_done(&spec);
                        gpio_line_specs_free(l, n);
                        return -ENOMEM;
                }
                l = grown;
                l[n++] = spec;
        }
        *ret = l;
        *ret_n = n;
        return 0;
}

/* ---- The section ---- */

/* One assignment, one line: checked here so a bad one is reported with its file and line. */
static int parse_line_field(const char *value, void *field, char **ret_detail)
{
        GpioLineSpec spec;
        char *copy;
        int r;

        r = gpio_line_spec_parse(value, &spec, ret_detail);
        if (r < 0)
                return r;
        copy = gpio_line_spec_format(&spec);
        gpio_line_spec_done(&spec);
        if (!copy)
                return -ENOMEM;
        return strv_push((char ***)field, copy);
}

static void gpio_settings_done(void *p)
{
        GpioSettings *s = p;
        strv_free(s->lines);
}

static const ConfigSetting gpio_settings[] = {
        {"Line", parse_line_field, CONFIG_FIELD_STRV, CONFIG_FIELD(GpioSettings, lines),
         "NAME PIN input|output [high|low] [active-low] [pull-up|pull-down|bias-disable] "
         "[open-drain|open-source] [debounce=MS]"},
        {},
};

static bool gpio_settings_to_json(const void *p, json_object *o)
{
        const GpioSettings *s = p;

        return config_json_add_strv(o, "Line", s->lines);
}

const ConfigSection gpio_config_section = {
        .name = "GPIO",
        .size = sizeof(GpioSettings),
        .done = gpio_settings_done,
        .settings = gpio_settings,
        .to_json = gpio_settings_to_json,
};
