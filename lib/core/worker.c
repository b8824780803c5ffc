/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Blocking work on worker threads, its end reported back on the event loop through a pipe. */
#include <fcntl.h>
#include <pthread.h>
#include <sys/epoll.h>

#include "runner-private.h"

void work_release(Work *w)
{
        ProbeRunner *r = w->runner;

        for (Work **p = &r->works; *p; p = &(*p)->next)
                if (*p == w) {
                        *p = w->next;
                        break;
                }
        r->n_workers--;
        sd_event_source_disable_unref(w->source);
        close(w->pipe[0]);
        close(w->pipe[1]);
        context_unref(w->ctx);
        free(w);
}

/* --- Blocking work off the loop --- */

static void *work_thread(void *userdata)
{
        Work *w = userdata;
        char c = 1;

        w->result = w->work(w->userdata);
        while (write(w->pipe[1], &c, 1) < 0 && errno == EINTR)
                ;
        return NULL;
}

static int on_work_done(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        Work *w = userdata;
        char c;

        (void)!read(fd, &c, 1);
        pthread_join(w->thread, NULL);
        /* Called even after a timeout so the probe can free what the work used; reports
         * from a cancelled context are dropped. */
        w->done(w->ctx, w->result, w->userdata);
        work_release(w);
        return 0;
}

int probe_run_blocking(ProbeContext *ctx, ProbeWorkFunc work, ProbeWorkDone done, void *userdata)
{
        ProbeRunner *r = ctx->runner;
        Work *w;
        int k;

        w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        if (pipe2(w->pipe, O_CLOEXEC) < 0) {
                free(w);
                return -errno;
        }
        w->runner = r;
        w->ctx = context_ref(ctx);
        w->work = work;
        w->done = done;
        w->userdata = userdata;
        w->next = r->works;
        r->works = w;
        r->n_workers++;
        k = sd_event_add_io(r->event, &w->source, w->pipe[0], EPOLLIN, on_work_done, w);
        if (k < 0) {
                work_release(w);
                return k;
        }
        k = pthread_create(&w->thread, NULL, work_thread, w);
        if (k != 0) {
                work_release(w);
                return -k;
        }
        return 0;
}
