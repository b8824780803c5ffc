/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The value syntax of hwctl.conf: booleans, time spans and sizes as systemd writes them. */
#include <inttypes.h>
#include <stdio.h>

#include "config.h"
#include "util.h"

/* Fraction digits beyond this are ignored: 6 keeps digits * multiplier inside 64 bits. */
#define FRACTION_DIGITS_MAX 6

int config_parse_boolean(const char *s)
{
        static const char *const yes[] = {"1", "yes", "y", "true", "t", "on"};
        static const char *const no[] = {"0", "no", "n", "false", "f", "off"};

        if (!s)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(yes); i++)
                if (strcasecmp(s, yes[i]) == 0)
                        return 1;
        for (size_t i = 0; i < ELEMENTSOF(no); i++)
                if (strcasecmp(s, no[i]) == 0)
                        return 0;
        return -EINVAL;
}

int config_parse_bdaddr(const char *s, uint8_t ret[6])
{
        uint8_t a[6];
        bool zero = true, ones = true;

        if (!s || strlen(s) != 17)
                return -EINVAL;
        for (size_t i = 0; i < 6; i++) {
                const char *p = s + i * 3;
                unsigned v = 0;

                for (size_t k = 0; k < 2; k++) {
                        char c = p[k];
                        v <<= 4;
                        if (c >= '0' && c <= '9')
                                v |= (unsigned)(c - '0');
                        else if (c >= 'a' && c <= 'f')
                                v |= (unsigned)(c - 'a' + 10);
                        else if (c >= 'A' && c <= 'F')
                                v |= (unsigned)(c - 'A' + 10);
                        else
                                return -EINVAL;
                }
                if (i < 5 && p[2] != ':')
                        return -EINVAL;
                a[i] = (uint8_t)v;
                zero = zero && v == 0;
                ones = ones && v == 0xff;
        }
        if (zero || ones)
                return -ERANGE;
        memcpy(ret, a, 6);
        return 0;
}

static bool is_digit(char c)
{
        return c >= '0' && c <= '9';
}

static bool is_space(char c)
{
        return c == ' ' || c == '\t';
}

/* Reads "123" or "123.45" at *p: the integer part, and the fraction as digits over 10^n. */
static int parse_decimal(const char **p, uint64_t *ret_int, uint64_t *ret_frac,
                         uint64_t *ret_frac_scale)
{
        const char *s = *p;
        uint64_t v = 0, frac = 0, scale = 1;

        if (!is_digit(*s))
                return -EINVAL;
        for (; is_digit(*s); s++) {
                unsigned d = (unsigned)(*s - '0');
                if (v > (UINT64_MAX - d) / 10)
                        return -ERANGE;
                v = v * 10 + d;
        }
        if (*s == '.') {
                s++;
                if (!is_digit(*s))
                        return -EINVAL;
                for (unsigned n = 0; is_digit(*s); s++, n++)
                        if (n < FRACTION_DIGITS_MAX) {
                                frac = frac * 10 + (uint64_t)(*s - '0');
                                scale *= 10;
                        }
        }
        *p = s;
        *ret_int = v;
        *ret_frac = frac;
        *ret_frac_scale = scale;
        return 0;
}

/* int.frac * multiplier, truncated to an integer. */
static int scale_decimal(uint64_t v, uint64_t frac, uint64_t scale, uint64_t multiplier,
                         uint64_t *ret)
{
        uint64_t whole, part;

        if (multiplier != 0 && v > UINT64_MAX / multiplier)
                return -ERANGE;
        whole = v * multiplier;
        part = frac * multiplier / scale; /* frac < 10^6 and multiplier < 2^41: no overflow */
        if (whole > UINT64_MAX - part)
                return -ERANGE;
        *ret = whole + part;
        return 0;
}

static const struct {
        const char *unit;
        uint64_t usec;
} timespan_units[] = {
        {"us", 1},
        {"usec", 1},
        {"\xc2\xb5s", 1}, /* micro sign */
        {"\xce\xbcs", 1}, /* Greek small letter mu */
        {"ms", USEC_PER_MSEC},
        {"msec", USEC_PER_MSEC},
        {"s", USEC_PER_SEC},
        {"sec", USEC_PER_SEC},
        {"second", USEC_PER_SEC},
        {"seconds", USEC_PER_SEC},
        {"m", 60 * USEC_PER_SEC},
        {"min", 60 * USEC_PER_SEC},
        {"minute", 60 * USEC_PER_SEC},
        {"minutes", 60 * USEC_PER_SEC},
        {"h", 3600 * USEC_PER_SEC},
        {"hr", 3600 * USEC_PER_SEC},
        {"hour", 3600 * USEC_PER_SEC},
        {"hours", 3600 * USEC_PER_SEC},
        {"d", 86400 * USEC_PER_SEC},
        {"day", 86400 * USEC_PER_SEC},
        {"days", 86400 * USEC_PER_SEC},
        {"w", 7 * 86400 * USEC_PER_SEC},
        {"week", 7 * 86400 * USEC_PER_SEC},
        {"weeks", 7 * 86400 * USEC_PER_SEC},
};

static int timespan_unit_lookup(const char *unit, size_t n, uint64_t *ret_usec)
{
        if (n == 0) {
                *ret_usec = USEC_PER_SEC;
                return 0;
        }
        for (size_t i = 0; i < ELEMENTSOF(timespan_units); i++)
                if (strlen(timespan_units[i].unit) == n &&
                    memcmp(timespan_units[i].unit, unit, n) == 0) {
                        *ret_usec = timespan_units[i].usec;
                        return 0;
                }
        return -EINVAL;
}

int config_parse_timespan(const char *s, uint64_t *ret_usec)
{
        uint64_t total = 0;
        bool any = false;
        int r;

        if (!s)
                return -EINVAL;
        for (const char *p = s;;) {
                uint64_t v, frac, scale, multiplier, component;
                const char *unit;

                while (is_space(*p))
                        p++;
                if (!*p)
                        break;
                r = parse_decimal(&p, &v, &frac, &scale);
                if (r < 0)
                        return r;
                while (is_space(*p))
                        p++;
                /* A unit is a run of letters (and the UTF-8 bytes of µ/μ). */
                for (unit = p; (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                               (unsigned char)*p >= 0x80;
                     p++)
                        ;
                r = timespan_unit_lookup(unit, (size_t)(p - unit), &multiplier);
                if (r < 0)
                        return r;
                /* Whatever follows is white space, a digit, or fails as the next number. */
                r = scale_decimal(v, frac, scale, multiplier, &component);
                if (r < 0)
                        return r;
                if (total > UINT64_MAX - component)
                        return -ERANGE;
                total += component;
                any = true;
        }
        if (!any)
                return -EINVAL;
        *ret_usec = total;
        return 0;
}

static const struct {
        const char *suffix;
        uint64_t factor;
} size_suffixes[] = {
        {"B", 1},
        {"K", UINT64_C(1) << 10},
        {"KiB", UINT64_C(1) << 10},
        {"M", UINT64_C(1) << 20},
        {"MiB", UINT64_C(1) << 20},
        {"G", UINT64_C(1) << 30},
        {"GiB", UINT64_C(1) << 30},
        {"T", UINT64_C(1) << 40},
        {"TiB", UINT64_C(1) << 40},
};

int config_parse_size(const char *s, uint64_t *ret_bytes)
{
        uint64_t v, frac, scale, factor = 1, bytes;
        const char *p = s;
        int r;

        if (!s)
                return -EINVAL;
        while (is_space(*p))
                p++;
        r = parse_decimal(&p, &v, &frac, &scale);
        if (r < 0)
                return r;
        while (is_space(*p))
                p++;
        if (*p) {
                size_t i;
                for (i = 0; i < ELEMENTSOF(size_suffixes); i++)
                        if (streq(p, size_suffixes[i].suffix))
                                break;
                if (i >= ELEMENTSOF(size_suffixes))
                        return -EINVAL;
                factor = size_suffixes[i].factor;
        }
        if (factor == 1 && scale > 1) /* "1.5" or "1.5B": there is no half byte */
                return -EINVAL;
        r = scale_decimal(v, frac, scale, factor, &bytes);
        if (r < 0)
                return r;
        *ret_bytes = bytes;
        return 0;
}

char *config_format_timespan(uint64_t usec)
{
        static const struct {
                const char *unit;
                uint64_t usec;
        } parts[] = {
                {"d", 86400 * USEC_PER_SEC}, {"h", 3600 * USEC_PER_SEC}, {"min", 60 * USEC_PER_SEC},
                {"s", USEC_PER_SEC},         {"ms", USEC_PER_MSEC},      {"us", 1},
        };
        char buf[128], *p = buf;

        if (usec == 0)
                return strdup("0");
        for (size_t i = 0; i < ELEMENTSOF(parts) && usec > 0; i++) {
                uint64_t n = usec / parts[i].usec;
                if (n == 0)
                        continue;
                usec -= n * parts[i].usec;
                p += snprintf(p, sizeof(buf) - (size_t)(p - buf), "%s%" PRIu64 "%s",
                              p == buf ? "" : " ", n, parts[i].unit);
        }
        return strdup(buf);
}

char *config_format_size(uint64_t bytes)
{
        static const char suffixes[] = "TGMK";

        for (size_t i = 0; i < sizeof(suffixes) - 1; i++) {
                uint64_t factor = UINT64_C(1) << (10 * (4 - i));
                if (bytes > 0 && bytes % factor == 0)
                        return strdup_printf("%" PRIu64 "%c", bytes / factor, suffixes[i]);
        }
        return strdup_printf("%" PRIu64, bytes);
}

bool config_ifname_is_valid(const char *s)
{
        size_t n;

        if (!s)
                return false;
        n = strlen(s);
        if (n == 0 || n > 15 || streq(s, ".") || streq(s, ".."))
                return false;
        for (const char *p = s; *p; p++)
                if (*p == '/' || *p == ':' || (unsigned char)*p <= ' ' || *p == 0x7f)
                        return false;
        return true;
}
