/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The status document: its shape, the atomic snapshot, and snapshots that are broken. */
#include <dirent.h>
#include <stdio.h>
#include <sys/stat.h>

#include "status.h"
#include "test-util.h"

static char root[] = "/tmp/hwctl-test-status-XXXXXX";

static ProbeResult *result(Verdict v, const char *summary, const char *remedy)
{
        ProbeResult *r = calloc(1, sizeof(*r));
        r->verdict = v;
        r->summary = strdup(summary);
        r->remedy = remedy ? strdup(remedy) : NULL;
        r->details = json_object_new_object();
        json_object_object_add(r->details, "baud", json_object_new_int(3000000));
        r->started_usec = 1700000000000000ULL;
        r->duration_usec = 4200;
        return r;
}

static json_object *sample_document(void)
{
        Board *b = calloc(1, sizeof(Board));
        ProbeResult *ok = result(VERDICT_OK, "hci0 up", NULL);
        ProbeResult *deg =
                result(VERDICT_DEGRADED, "only HDMI", "add snd_bcm2835.enable_headphones=1");
        StatusProbe probes[] = {
                {.name = "bluetooth", .result = ok},
                {.name = "audio", .result = deg},
                {.name = "network", .result = NULL, .running = true},
        };
        json_object *doc;

        b->model = strdup("Raspberry Pi 4 Model B");
        doc = status_document_build(b, probes, 3, NULL);
        board_free(b);
        probe_result_free(ok);
        probe_result_free(deg);
        return doc;
}

static json_object *probe_at(json_object *doc, size_t i)
{
        json_object *probes;
        json_object_object_get_ex(doc, "probes", &probes);
        return json_object_array_get_idx(probes, i);
}

static const char *get_str(json_object *o, const char *k)
{
        json_object *v;
        return json_object_object_get_ex(o, k, &v) && v ? json_object_get_string(v) : NULL;
}

static void test_document_shape(void)
{
        json_object *doc = sample_document(), *v, *board;
        char *err = NULL;

        ASSERT_INT_EQ(status_document_validate(doc, &err), 0);
        ASSERT_TRUE(json_object_object_get_ex(doc, "version", &v));
        ASSERT_INT_EQ(json_object_get_int(v), STATUS_DOCUMENT_VERSION);
        ASSERT_TRUE(json_object_object_get_ex(doc, "updated_usec", &v));
        ASSERT_TRUE(json_object_get_int64(v) > 0);
        ASSERT_TRUE(json_object_object_get_ex(doc, "board", &board));
        ASSERT_STR_EQ(get_str(board, "model"), "Raspberry Pi 4 Model B");
        ASSERT_STR_EQ(get_str(probe_at(doc, 0), "name"), "bluetooth");
        ASSERT_STR_EQ(get_str(probe_at(doc, 0), "verdict"), "ok");
        ASSERT_STR_EQ(get_str(probe_at(doc, 0), "state"), "done");
        ASSERT_NULL(get_str(probe_at(doc, 0), "remedy"));
        ASSERT_STR_EQ(get_str(probe_at(doc, 1), "remedy"), "add snd_bcm2835.enable_headphones=1");
        ASSERT_TRUE(json_object_object_get_ex(probe_at(doc, 1), "details", &v));
        ASSERT_TRUE(json_object_object_get_ex(v, "baud", &v));
        ASSERT_INT_EQ(json_object_get_int(v), 3000000);
        ASSERT_TRUE(json_object_object_get_ex(probe_at(doc, 1), "duration_usec", &v));
        ASSERT_INT_EQ(json_object_get_int64(v), 4200);
        ASSERT_STR_EQ(get_str(probe_at(doc, 2), "state"), "running");
        ASSERT_NULL(get_str(probe_at(doc, 2), "verdict"));
        json_object_put(doc);
}

static void test_snapshot_roundtrip_is_atomic(void)
{
        json_object *doc = sample_document(), *back = NULL;
        char *err = NULL, path[512];
        DIR *d;
        struct dirent *de;
        int files = 0;

        ASSERT_INT_EQ(status_snapshot_write(root, doc), 0);
        ASSERT_INT_EQ(status_snapshot_read(root, &back, &err), 0);
        ASSERT_TRUE(json_object_equal(doc, back));
        /* Only status.json is left behind: no temporary file. */
        snprintf(path, sizeof path, "%s/run/hwctl", root);
        d = opendir(path);
        ASSERT_NOT_NULL(d);
        while (d && (de = readdir(d)))
                if (de->d_name[0] != '.') {
                        files++;
                        ASSERT_STR_EQ(de->d_name, "status.json");
                }
        if (d)
                closedir(d);
        ASSERT_INT_EQ(files, 1);
        json_object_put(doc);
        json_object_put(back);
}

static void write_snapshot_text(const char *text, size_t len)
{
        char path[512];
        FILE *f;

        snprintf(path, sizeof path, "%s/run/hwctl/status.json", root);
        f = fopen(path, "w");
        fwrite(text, 1, len, f);
        fclose(f);
}

static void expect_broken(const char *text, size_t len, const char *error_part)
{
        json_object *doc = NULL;
        char *err = NULL;

        write_snapshot_text(text, len);
        ASSERT_TRUE(status_snapshot_read(root, &doc, &err) < 0);
        ASSERT_NULL(doc);
        ASSERT_STR_CONTAINS(err, error_part);
        free(err);
}

/* sizeof, not strlen: some of these hold a NUL on purpose. */
#define BROKEN(text, part) expect_broken(text, sizeof(text) - 1, part)

static void test_broken_snapshots_are_refused(void)
{
        BROKEN("", "not a valid JSON");
        BROKEN("{\"version\":1,\"probes\":[", "not a valid JSON");
        BROKEN("{\"version\":1,\"board\":null,\"probes\":[]} trailing", "trailing");
        BROKEN("{\"version\":1,\"board\":{},\"probes\":[]}\0{}", "not a valid JSON");
        BROKEN("[1,2,3]", "not a JSON object");
        BROKEN("{\"version\":99,\"board\":{},\"probes\":[]}", "version");
        BROKEN("{\"version\":1,\"board\":{},\"probes\":{}}", "no probes array");
        BROKEN("{\"version\":1,\"board\":\"x\",\"probes\":[]}", "board");
        BROKEN("{\"version\":1,\"board\":{},\"probes\":[{\"name\":\"a\",\"verdict\":\"great\"}]}",
               "unknown verdict");
        BROKEN("{\"version\":1,\"board\":{},\"probes\":[{\"verdict\":\"ok\"}]}", "no name");
}

static void test_missing_snapshot(void)
{
        json_object *doc = NULL;
        char *err = NULL;

        ASSERT_INT_EQ(status_snapshot_read("/nonexistent-hwctl-root", &doc, &err), -ENOENT);
        ASSERT_STR_CONTAINS(err, "/nonexistent-hwctl-root/run/hwctl/status.json");
        free(err);
}

int main(void)
{
        if (!mkdtemp(root))
                TEST_SKIP("cannot make a temporary directory");
        TEST_RUN(test_document_shape);
        TEST_RUN(test_snapshot_roundtrip_is_atomic);
        TEST_RUN(test_broken_snapshots_are_refused);
        TEST_RUN(test_missing_snapshot);
        return test_exit();
}
