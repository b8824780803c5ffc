/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Writes hwctld's events to the journal with structured fields, or to stderr when there is none. */
#include <stdarg.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include <systemd/sd-journal.h>

#include "log.h"

static bool use_journal, use_stderr = true;
static char *board_field;
static int max_level = LOG_INFO;

static bool journal_socket_present(void)
{
        struct stat st;

        /* The journal is the real system's, not the sysroot's: tests get stderr. */
        return stat("/run/systemd/journal/socket", &st) == 0 && S_ISSOCK(st.st_mode);
}

static bool stderr_is_journal(void)
{
        const char *e = getenv("JOURNAL_STREAM");
        unsigned long long dev, ino;
        struct stat st;

        if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2 || fstat(STDERR_FILENO, &st) < 0)
                return false;
        return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void log_setup(LogTarget target)
{
        const char *e = getenv("HWCTL_LOG_TARGET");
        const char *lvl = getenv("HWCTL_LOG_LEVEL");

        if (e && streq(e, "journal"))
                target = LOG_TARGET_JOURNAL;
        else if (e && streq(e, "stderr"))
                target = LOG_TARGET_STDERR;
        if (lvl && streq(lvl, "debug"))
                max_level = LOG_DEBUG;

        switch (target) {
        case LOG_TARGET_JOURNAL:
                use_journal = true;
                use_stderr = false;
                break;
        case LOG_TARGET_STDERR:
                use_journal = false;
                use_stderr = true;
                break;
        default:
                use_journal = journal_socket_present();
                /* Under systemd stderr already goes to the journal; a person at a terminal
                 * still wants to see what happens. */
                use_stderr = !use_journal || (!stderr_is_journal() && isatty(STDERR_FILENO));
        }
}

void log_set_board(const char *board_id)
{
        free(board_field);
        board_field = board_id ? strdup_printf("HWCTL_BOARD=%s", board_id) : NULL;
}

void log_set_max_level(int priority)
{
        max_level = priority;
}

static void add_iov(struct iovec *iov, size_t *n, char *s)
{
        if (s) {
                iov[*n].iov_base = s;
                iov[*n].iov_len = strlen(s);
                (*n)++;
        }
}

int log_event(int priority, const char *message_id, const char *probe, const char *verdict,
              int error, char *const *extra, const char *fmt, ...)
{
        int ret = error == 0 ? 0 : -(error < 0 ? -error : error);
        _cleanup_free_ char *msg = NULL;
        va_list ap;

        if (priority > max_level)
                return ret;
        va_start(ap, fmt);
        msg = strdup_vprintf_errno(error, fmt, ap);
        va_end(ap);
        if (!msg)
                return ret;

        if (use_journal) {
                _cleanup_free_ char *f_msg = strdup_printf("MESSAGE=%s", msg);
                _cleanup_free_ char *f_prio = strdup_printf("PRIORITY=%d", priority);
                _cleanup_free_ char *f_id =
                        message_id ? strdup_printf("MESSAGE_ID=%s", message_id) : NULL;
                _cleanup_free_ char *f_probe =
                        probe ? strdup_printf("HWCTL_PROBE=%s", probe) : NULL;
                _cleanup_free_ char *f_verdict =
                        verdict ? strdup_printf("HWCTL_VERDICT=%s", verdict) : NULL;
                _cleanup_free_ char *f_errno =
                        error ? strdup_printf("ERRNO=%d", error < 0 ? -error : error) : NULL;
                struct iovec iov[8 + 32];
                size_t n = 0;

                add_iov(iov, &n, f_msg);
                add_iov(iov, &n, f_prio);
                add_iov(iov, &n, f_id);
                add_iov(iov, &n, f_probe);
                add_iov(iov, &n, f_verdict);
                add_iov(iov, &n, f_errno);
                add_iov(iov, &n, board_field);
                for (size_t i = 0; extra && extra[i] && i < 32; i++)
                        add_iov(iov, &n, extra[i]);
                (void)sd_journal_sendv(iov, (int)n);
        }
        if (use_stderr) {
                if (probe && verdict)
                        fprintf(stderr, "hwctld: %s: %s: %s\n", probe, verdict, msg);
                else if (probe)
                        fprintf(stderr, "hwctld: %s: %s\n", probe, msg);
                else
                        fprintf(stderr, "hwctld: %s\n", msg);
        }
        return ret;
}
