/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Loading hwctl.conf and drop-ins from temporary sysroots: precedence, masking, and every
 * problem a broken file can have. */
#include "config-test.h"

static void test_unknown_keys_and_sections_warn_with_line(void)
{
        _cleanup_sysroot_ char *root = sysroot_new();
        _cleanup_free_ char *file = path_in(root, MAIN);
        write_text(root, MAIN,
                   "Early=1\n"        /* 1: outside any section */
                   "[Audio]\n"        /* 2 */
                   "Volume=40\n"      /* 3 */
                   "Loudness=11\n"    /* 4: unknown key */
                   "volume=50\n"      /* 5: keys are case-sensitive, as in systemd */
                   "\n"               /* 6 */
                   "[Bar]\n"          /* 7: unknown section */
                   "Foo=1\n"          /* 8 */
                   "[Network]\n"      /* 9 */
                   "Uplinks=eth0\n"); /* 10: still applied */
        _cleanup_(config_unrefp) Config *c = load(root, NULL);
        const ConfigProblem *p;

        ASSERT_INT_EQ(config_n_problems(c), 4);
        for (size_t i = 0; i < config_n_problems(c); i++)
                ASSERT_INT_EQ((*config_problem(c, i)).severity, CONFIG_WARNING);
        ASSERT_FALSE(config_has_errors(c));

        p = find_problem(c, file, 4);
        ASSERT_NOT_NULL(p);
        if (p) {
                _cleanup_free_ char *s = config_problem_to_string(p);
                _cleanup_free_ char *want = strdup_printf(
                        "%s:4: Unknown key 'Loudness' in section [Audio], ignoring", file);
                ASSERT_STR_EQ(s, want);
        }
        p = find_problem(c, file, 5);
        ASSERT_TRUE(p && strstr(p->message, "'volume'"));
        p = find_problem(c, file, 8);
        ASSERT_TRUE(p && streq(p->message, "Unknown key 'Foo' in section [Bar], ignoring"));
        p = find_problem(c, file, 1);
        ASSERT_TRUE(p && strstr(p->message, "outside of any section"));

        ASSERT_INT_EQ(AUDIO(c)->volume.percent_value, 40);
        ASSERT_STR_EQ(NETWORK(c)->uplinks ? NETWORK(c)->uplinks[0] : NULL, "eth0");
}

/* ---- Files and drop-ins ---- */

static void test_later_directory_masks_same_name(void)
{
        _cleanup_sysroot_ char *root = sysroot_new();
        write_text(root, LIB_D "50-volume.conf", "[Audio]\nVolume=10\nOutput=lib\n");
        write_text(root, RUN_D "50-volume.conf", "[Audio]\nVolume=20\n");
        write_text(root, ETC_D "50-volume.conf", "[Audio]\nVolume=30\n");
        write_text(root, LIB_D "60-card.conf", "[Audio]\nOutput=usr-lib\n");
        write_text(root, RUN_D "60-card.conf", "[Audio]\nOutput=run\n");
        _cleanup_(config_unrefp) Config *c = load(root, NULL);
        _cleanup_free_ char *etc = path_in(root, ETC_D "50-volume.conf");
        _cleanup_free_ char *run = path_in(root, RUN_D "60-card.conf");

        assert_no_problems(c);
        ASSERT_INT_EQ(AUDIO(c)->volume.percent_value, 30);
        ASSERT_STR_EQ(AUDIO(c)->output, "run");
        /* The masked files were not even read. */
        ASSERT_INT_EQ(strv_length(config_files(c)), 2);
        ASSERT_STR_EQ(config_files(c) ? config_files(c)[0] : NULL, etc);
        ASSERT_STR_EQ(config_files(c) && config_files(c)[0] ? config_files(c)[1] : NULL, run);
}

static void test_dropins_apply_in_lexical_order_across_directories(void)
{
        _cleanup_sysroot_ char *root = sysroot_new();
        /* Lexical, not numeric: "10" < "20" < "9"; and the directory does not matter. */
        write_text(root, ETC_D "10-a.conf", "[Audio]\nVolume=10\nOutput=a\n");
        write_text(root, LIB_D "20-b.conf", "[Audio]\nVolume=20\n");
        write_text(root, RUN_D "9-c.conf", "[Audio]\nVolume=9\n");
        write_text(root, MAIN, "[Audio]\nVolume=1\nOutput=main\n");
        _cleanup_(config_unrefp) Config *c = load(root, NULL);

        assert_no_problems(c);
        ASSERT_INT_EQ(AUDIO(c)->volume.percent_value, 9);
        ASSERT_STR_EQ(AUDIO(c)->output, "a"); /* the drop-in overrides the main file */
        ASSERT_INT_EQ(strv_length(config_files(c)), 4);
        if (strv_length(config_files(c)) == 4) {
                ASSERT_TRUE(strstr(config_files(c)[0], "/etc/hwctl/hwctl.conf") &&
                            !strstr(config_files(c)[0], ".d/"));
                ASSERT_STR_CONTAINS(config_files(c)[1], ETC_D "10-a.conf");
                ASSERT_STR_CONTAINS(config_files(c)[2], LIB_D "20-b.conf");
                ASSERT_STR_CONTAINS(config_files(c)[3], RUN_D "9-c.conf");
        }
}

static void test_dev_null_symlink_masks(void)
{
        _cleanup_sysroot_ char *root = sysroot_new();
        write_text(root, LIB_D "50-vendor.conf", "[Bluetooth]\nBaud=115200\n");
        write_text(root, RUN_D "50-vendor.conf", "[Bluetooth]\nBaud=230400\n");
        make_symlink(root, ETC_D "50-vendor.conf", "/dev/null");
        write_text(root, LIB_D "60-other.conf", "[Bluetooth]\nAttach=kernel\n");
        _cleanup_(config_unrefp) Config *c = load(root, NULL);

        assert_no_problems(c);
        ASSERT_INT_EQ(BLUETOOTH(c)->baud, 0);
        ASSERT_INT_EQ(BLUETOOTH(c)->attach, BLUETOOTH_ATTACH_KERNEL);
        ASSERT_INT_EQ(strv_length(config_files(c)), 1);

        /* A masked main file is simply absent. */
        make_symlink(root, MAIN, "/dev/null");
        _cleanup_(config_unrefp) Config *d = load(root, NULL);
        assert_no_problems(d);
        ASSERT_INT_EQ(strv_length(config_files(d)), 1);
}

static void test_dev_null_reached_otherwise_masks(void)
{
        /* A relative link, and the device node itself: what is masked is /dev/null, not a name. */
        _cleanup_sysroot_ char *root = sysroot_new();
        _cleanup_free_ char *node = path_in(root, RUN_D "60-node.conf");
        write_text(root, LIB_D "50-vendor.conf", "[Bluetooth]\nBaud=115200\n");
        make_symlink(root, ETC_D "50-vendor.conf", "../../../../../../../../../../../../dev/null");
        write_text(root, LIB_D "60-node.conf", "[Audio]\nVolume=5\n");
        if (mknod(node, S_IFCHR | 0666, makedev(1, 3)) < 0) {
                fprintf(stderr, "    (no mknod: %m; only the relative link is checked)\n");
                write_text(root, RUN_D "60-node.conf", "[Audio]\nVolume=80\n");
        }
        _cleanup_(config_unrefp) Config *c = load(root, NULL);

        assert_no_problems(c);
        ASSERT_INT_EQ(BLUETOOTH(c)->baud, 0);
        ASSERT_INT_EQ(AUDIO(c)->volume.percent_value, 80);
}

static void test_only_dot_conf_files_are_read(void)
{
        _cleanup_sysroot_ char *root = sysroot_new();
        write_text(root, ETC_D "50-x.conf.bak", "[Audio]\nVolume=1\n");
        write_text(root, ETC_D "50-x.conf~", "[Audio]\nVolume=2\n");
        write_text(root, ETC_D ".50-x.conf", "[Audio]\nVolume=3\n");
        write_text(root, ETC_D "50-x.CONF", "[Audio]\nVolume=4\n");
        write_text(root, ETC_D "README", "not a config file\n");
        write_text(root, ETC_D "conf", "[Audio]\nVolume=5\n");
        write_text(root, ETC_D "50-y.conf", "[Audio]\nVolume=6\n");
        _cleanup_(config_unrefp) Config *c = load(root, NULL);

        assert_no_problems(c);
        ASSERT_INT_EQ(AUDIO(c)->volume.percent_value, 6);
        ASSERT_INT_EQ(strv_length(config_files(c)), 1);
}

static void test_directory_named_conf_is_reported_and_does_not_mask(void)
{
        _cleanup_sysroot_ char *root = sysroot_new();
        _cleanup_free_ char *dir = path_in(root, ETC_D "50-x.conf");
        make_dir(root, ETC_D "50-x.conf");
        write_text(root, ETC_D "50-x.conf/inner.conf", "[Audio]\nVolume=1\n");
        write_text(root, LIB_D "50-x.conf", "[Audio]\nVolume=70\n");
        write_text(root, LIB_D "60-y.conf", "[Audio]\nOutput=y\n");
        /* A broken entry that a later directory replaces is not worth a word. */
        make_dir(root, LIB_D "70-z.conf");
        write_text(root, ETC_D "70-z.conf", "[GPIO]\nEnable=no\n");
        _cleanup_(config_unrefp) Config *c = load(root, NULL);
        const ConfigProblem *p = only_problem(c, dir, 0, CONFIG_ERROR);

        ASSERT_TRUE(p && strstr(p->message, "directory"));
        ASSERT_INT_EQ(AUDIO(c)->volume.percent_value, 70);
        ASSERT_STR_EQ(AUDIO(c)->output, "y");
        ASSERT_FALSE(config_probe_enabled(c, &probe_gpio));
        ASSERT_INT_EQ(strv_length(config_files(c)), 3);

        /* The main file as a directory. */
        _cleanup_sysroot_ char *root2 = sysroot_new();
        _cleanup_free_ char *main_dir = path_in(root2, MAIN);
        make_dir(root2, MAIN);
        _cleanup_(config_unrefp) Config *d = load(root2, NULL);
        ASSERT_NOT_NULL(only_problem(d, main_dir, 0, CONFIG_ERROR));
        ASSERT_TRUE(config_is_default(d));
}

static void test_fifo_and_dangling_link_do_not_block(void)
{
        _cleanup_sysroot_ char *root = sysroot_new();
        _cleanup_free_ char *fifo = path_in(root, ETC_D "10-fifo.conf");
        _cleanup_free_ char *dangling = path_in(root, ETC_D "20-dangling.conf");

        write_text(root, ETC_D "30-ok.conf", "[GPIO]\nEnable=no\n");
        if (mkfifo(fifo, 0644) < 0) {
                TEST_FAIL("mkfifo: %m");
                return;
        }
        make_symlink(root, ETC_D "20-dangling.conf", "/nonexistent/hwctl-test.conf");
        _cleanup_(config_unrefp) Config *c =
                load(root, NULL); /* would hang if it opened the FIFO */

        ASSERT_INT_EQ(config_n_problems(c), 2);
        const ConfigProblem *p = find_problem(c, fifo, 0), *q = find_problem(c, dangling, 0);
        ASSERT_TRUE(p && p->severity == CONFIG_ERROR && strstr(p->message, "regular file"));
        ASSERT_TRUE(q && q->severity == CONFIG_ERROR);
        ASSERT_FALSE(config_probe_enabled(c, &probe_gpio));
}

static void test_explicit_main_file_replaces_sysroot_main(void)
{
        _cleanup_sysroot_ char *root = sysroot_new();
        _cleanup_sysroot_ char *elsewhere = sysroot_new();
        _cleanup_free_ char *explicit_path = path_in(elsewhere, "my.conf");

        write_text(root, MAIN, "[Audio]\nVolume=11\nOutput=sysroot\n");
        write_text(elsewhere, "my.conf", "[Audio]\nVolume=22\n[GPIO]\nEnable=no\n");
        write_text(root, ETC_D "50-x.conf", "[GPIO]\nEnable=yes\n");
        _cleanup_(config_unrefp) Config *c = load(root, explicit_path);

        assert_no_problems(c);
        ASSERT_INT_EQ(AUDIO(c)->volume.percent_value, 22);
        ASSERT_NULL(AUDIO(c)->output); /* the sysroot's hwctl.conf was not read */
        ASSERT_TRUE(config_probe_enabled(
                c, &probe_gpio)); /* drop-ins still apply, after the main file */
        ASSERT_INT_EQ(strv_length(config_files(c)), 2);
        ASSERT_STR_EQ(config_files(c) ? config_files(c)[0] : NULL, explicit_path);
}

static void test_missing_explicit_main_file_is_an_error(void)
{
        _cleanup_sysroot_ char *root = sysroot_new();
        _cleanup_free_ char *missing = path_in(root, "nope.conf");
        write_text(root, MAIN, "[Audio]\nVolume=11\n");
        write_text(root, ETC_D "50-x.conf", "[GPIO]\nEnable=no\n");
        _cleanup_(config_unrefp) Config *c = load(root, missing);

        ASSERT_NOT_NULL(only_problem(c, missing, 0, CONFIG_ERROR));
        ASSERT_TRUE(config_has_errors(c));
        ASSERT_INT_EQ(AUDIO(c)->volume.centi_db, -600);
        ASSERT_FALSE(config_probe_enabled(c, &probe_gpio));

        /* The implicit one missing is fine. */
        _cleanup_free_ char *main_file = path_in(root, MAIN);
        ASSERT_INT_EQ(unlink(main_file), 0);
        _cleanup_(config_unrefp) Config *d = load(root, NULL);
        assert_no_problems(d);
}

/* ---- Broken input ---- */

static void test_syntax_errors_are_reported_per_line_and_parsing_continues(void)
{
        _cleanup_sysroot_ char *root = sysroot_new();
        _cleanup_free_ char *file = path_in(root, MAIN);
        write_text(root, MAIN,
                   "[Audio]\n"          /* 1 */
                   "Volume 40\n"        /* 2: no '=' */
                   "Output:hdmi\n"      /* 3: ':' is not an assignment here */
                   "=5\n"               /* 4: no key */
                   "Vol ume=5\n"        /* 5: bad key name */
                   "Volume=41\n"        /* 6: applied */
                   "[Network\n"         /* 7: unterminated */
                   "Uplinks=eth9\n"     /* 8: skipped, its section is broken */
                   "[GPIO] Enable=no\n" /* 9: junk after header */
                   "Enable=no\n"        /* 10: skipped */
                   "[]\n"               /* 11: empty section name */
                   "[Bluetooth] ; ok\n" /* 12: a comment after a header is fine */
                   "Baud=921600\n");    /* 13 */
        _cleanup_(config_unrefp) Config *c = load(root, NULL);
        static const unsigned bad_lines[] = {2, 3, 4, 5, 7, 9, 11};

        ASSERT_INT_EQ(config_n_problems(c), ELEMENTSOF(bad_lines));
        for (size_t i = 0; i < ELEMENTSOF(bad_lines); i++) {
                const ConfigProblem *p = find_problem(c, file, bad_lines[i]);
                if (!p || p->severity != CONFIG_ERROR)
                        TEST_FAIL("no error for line %u", bad_lines[i]);
        }
        const ConfigProblem *p = find_problem(c, file, 2);
        ASSERT_TRUE(p && strstr(p->message, "Missing '='") && strstr(p->message, "Volume 40"));
        p = find_problem(c, file, 7);
        ASSERT_TRUE(p && strstr(p->message, "section header") && strstr(p->message, "[Network"));
        ASSERT_INT_EQ(AUDIO(c)->volume.percent_value, 41);
        ASSERT_NULL(AUDIO(c)->output);
        ASSERT_NULL(NETWORK(c)->uplinks);
        ASSERT_TRUE(config_probe_enabled(c, &probe_gpio));
        ASSERT_INT_EQ(BLUETOOTH(c)->baud, 921600);
}

static void test_whitespace_comments_crlf_and_bom(void)
{
        _cleanup_sysroot_ char *root = sysroot_new();
        write_text(root, MAIN,
                   "\xef\xbb\xbf# a BOM, then a comment\r\n"
                   "; another comment\r\n"
                   "  [Audio]  \r\n"
                   "\tVolume = 33 ; an inline comment\r\n"
                   "    Output = Headphones\r\n" /* indented: not a continuation of Volume */
                   "   # indented comment\r\n"
                   "[Network]\r\n"
                   "Prefer = eth1   wired\t wlan0\r\n"
                   "Uplinks=eth0"); /* no final newline */
        _cleanup_(config_unrefp) Config *c = load(root, NULL);

        assert_no_problems(c);
        ASSERT_INT_EQ(AUDIO(c)->volume.percent_value, 33);
        ASSERT_STR_EQ(AUDIO(c)->output, "Headphones");
        _cleanup_free_ char *prefer = strv_join(NETWORK(c)->prefer, ",");
        ASSERT_STR_EQ(prefer, "eth1,wired,wlan0");
        ASSERT_STR_EQ(NETWORK(c)->uplinks ? NETWORK(c)->uplinks[0] : NULL, "eth0");
}

static void test_nul_bytes_reject_their_line(void)
{
        _cleanup_sysroot_ char *root = sysroot_new();
        _cleanup_free_ char *file = path_in(root, MAIN);
        static const char data[] = "[Audio]\nOutput=hd\0mi\nVolume=12\n[Net\0work]\nUplinks=eth0\n"
                                   "[GPIO]\nEnable=no\n";
        write_bytes(root, MAIN, data, sizeof(data) - 1);
        _cleanup_(config_unrefp) Config *c = load(root, NULL);

        ASSERT_INT_EQ(config_n_problems(c), 2);
        const ConfigProblem *p = find_problem(c, file, 2);
        ASSERT_TRUE(p && p->severity == CONFIG_ERROR && strstr(p->message, "NUL"));
        ASSERT_NOT_NULL(find_problem(c, file, 4));
        ASSERT_NULL(AUDIO(c)->output); /* not "hd" */
        ASSERT_INT_EQ(AUDIO(c)->volume.percent_value, 12);
        ASSERT_NULL(NETWORK(c)->uplinks); /* its header was rejected */
        ASSERT_FALSE(config_probe_enabled(c, &probe_gpio));
}

static void test_long_lines_are_rejected_never_truncated(void)
{
        /* Whatever inih's buffer size, a value is taken whole or reported, never cut. */
        for (size_t n = 150; n <= 420; n++) {
                _cleanup_sysroot_ char *root = sysroot_new();
                _cleanup_free_ char *file = path_in(root, MAIN);
                _cleanup_free_ char *card = malloc(n + 1);
                memset(card, 'c', n);
                card[0] = '/';
                card[n] = 0;
                _cleanup_free_ char *text =
                        strdup_printf("[RootFS]\nMount=%s\n[Audio]\nVolume=7\nBogus=1\n", card);
                write_text(root, MAIN, text);
                _cleanup_(config_unrefp) Config *c = load(root, NULL);

                /* Line counting is not thrown off: the next lines keep their numbers. */
                const ConfigProblem *bogus = find_problem(c, file, 5);
                if (!bogus || bogus->severity != CONFIG_WARNING)
                        TEST_FAIL("n=%zu: no warning for line 5", n);
                if (AUDIO(c)->volume.percent_value != 7)
                        TEST_FAIL("n=%zu: Volume= on line 4 lost", n);
                if (!streq(ROOTFS(c)->mount, "/")) {
                        if (!streq(ROOTFS(c)->mount, card))
                                TEST_FAIL("n=%zu: Mount= truncated to %zu bytes", n,
                                          strlen(ROOTFS(c)->mount));
                        if (config_n_problems(c) != 1)
                                TEST_FAIL("n=%zu: accepted but %zu problems", n,
                                          config_n_problems(c));
                } else {
                        const ConfigProblem *p = find_problem(c, file, 2);
                        if (!p || p->severity != CONFIG_ERROR || !strstr(p->message, "too long"))
                                TEST_FAIL("n=%zu: Mount= dropped without a 'too long' error", n);
                }
        }

        /* With Debian's inih (200-byte lines) a 5000-byte line is reported. */
        _cleanup_sysroot_ char *root = sysroot_new();
        _cleanup_free_ char *file = path_in(root, MAIN);
        _cleanup_free_ char *big = malloc(5001);
        memset(big, 'a', 5000);
        big[5000] = 0;
        big[0] = '/';
        _cleanup_free_ char *text = strdup_printf("[RootFS]\nMount=%s\nEnable=no\n", big);
        write_text(root, MAIN, text);
        _cleanup_(config_unrefp) Config *c = load(root, NULL);
        const ConfigProblem *p = only_problem(c, file, 2, CONFIG_ERROR);
        ASSERT_TRUE(p && strstr(p->message, "too long"));
        ASSERT_STR_EQ(ROOTFS(c)->mount, "/");
        ASSERT_FALSE(config_probe_enabled(c, &probe_rootfs));
}

static void test_invalid_utf8_and_control_characters(void)
{
        _cleanup_sysroot_ char *root = sysroot_new();
        _cleanup_free_ char *file = path_in(root, MAIN);
        write_text(root, MAIN,
                   "[RootFS]\n"
                   "Mount=/caf\xe9\n"       /* 2: Latin-1, not UTF-8 */
                   "Mount=/\xc0\xaf\n"      /* 3: overlong '/' */
                   "Mount=/\xed\xa0\x80\n"  /* 4: a surrogate */
                   "Mount=/a\x1b[31mred\n"  /* 5: escape sequence */
                   "Mount=/caf\xc3\xa9\n"); /* 6: valid UTF-8 */
        _cleanup_(config_unrefp) Config *c = load(root, NULL);

        ASSERT_INT_EQ(config_n_problems(c), 4);
        for (unsigned line = 2; line <= 5; line++) {
                const ConfigProblem *p = find_problem(c, file, line);
                if (!p || p->severity != CONFIG_ERROR)
                        TEST_FAIL("no error for line %u", line);
        }
        ASSERT_STR_CONTAINS(find_problem(c, file, 2) ? find_problem(c, file, 2)->message : NULL,
                            "UTF-8");
        ASSERT_STR_CONTAINS(find_problem(c, file, 5) ? find_problem(c, file, 5)->message : NULL,
                            "control");
        ASSERT_STR_EQ(ROOTFS(c)->mount, "/caf\xc3\xa9");
}

static void test_binary_garbage_is_bounded(void)
{
        _cleanup_sysroot_ char *root = sysroot_new();
        _cleanup_free_ char *file = path_in(root, ETC_D "10-garbage.conf");
        unsigned char data[64 * 1024];
        uint32_t x = 12345;

        for (size_t i = 0; i < sizeof(data); i++) {
                x = x * 1103515245 + 12345;
                data[i] = (unsigned char)(x >> 16);
        }
        write_bytes(root, ETC_D "10-garbage.conf", data, sizeof(data));
        write_text(root, ETC_D "20-good.conf", "[Audio]\nVolume=64\n");
        _cleanup_(config_unrefp) Config *c = load(root, NULL);

        ASSERT_INT_EQ(AUDIO(c)->volume.percent_value, 64);
        ASSERT_INT_EQ(strv_length(config_files(c)), 2);
        ASSERT_TRUE(config_n_problems(c) > 0);
        ASSERT_TRUE(config_n_problems(c) <= CONFIG_FILE_PROBLEMS_MAX + 1);
        ASSERT_TRUE(config_has_errors(c));
        for (size_t i = 0; i < config_n_problems(c); i++)
                if (!streq((*config_problem(c, i)).file, file))
                        TEST_FAIL("problem about %s", (*config_problem(c, i)).file);
}

static void test_problem_flood_is_summarised(void)
{
        _cleanup_sysroot_ char *root = sysroot_new();
        _cleanup_free_ char *file = path_in(root, MAIN);
        size_t size = 200 * strlen("garbage\n") + strlen("[Audio]\nVolume=5\n");
        _cleanup_free_ char *text = malloc(size + 1);
        char *end = text;
        for (int i = 0; i < 200; i++)
                end = stpcpy(end, "garbage\n");
        strcpy(end, "[Audio]\nVolume=5\n");
        write_text(root, MAIN, text);
        _cleanup_(config_unrefp) Config *c = load(root, NULL);

        ASSERT_INT_EQ(config_n_problems(c), CONFIG_FILE_PROBLEMS_MAX + 1);
        if (config_n_problems(c) == CONFIG_FILE_PROBLEMS_MAX + 1) {
                const ConfigProblem *last = config_problem(c, CONFIG_FILE_PROBLEMS_MAX);
                _cleanup_free_ char *want =
                        strdup_printf("%u more problems", 200 - CONFIG_FILE_PROBLEMS_MAX);
                ASSERT_STR_EQ(last->file, file);
                ASSERT_INT_EQ(last->line, 0);
                ASSERT_INT_EQ(last->severity, CONFIG_ERROR);
                ASSERT_STR_CONTAINS(last->message, want);
                ASSERT_INT_EQ((*config_problem(c, CONFIG_FILE_PROBLEMS_MAX - 1)).line,
                              CONFIG_FILE_PROBLEMS_MAX);
        }
        ASSERT_INT_EQ(AUDIO(c)->volume.percent_value, 5); /* parsing went on to the end */
}

static void test_huge_file_is_refused_whole(void)
{
        _cleanup_sysroot_ char *root = sysroot_new();
        _cleanup_free_ char *file = path_in(root, ETC_D "10-huge.conf");
        size_t size = CONFIG_FILE_SIZE_MAX + 1;
        _cleanup_free_ char *data = malloc(size);
        const char head[] = "[Audio]\nVolume=1\n";

        memset(data, '#', size);
        memcpy(data, head, strlen(head));
        data[size - 1] = '\n';
        write_bytes(root, ETC_D "10-huge.conf", data, size);
        write_text(root, ETC_D "20-ok.conf", "[GPIO]\nEnable=no\n");
        _cleanup_(config_unrefp) Config *c = load(root, NULL);

        const ConfigProblem *p = only_problem(c, file, 0, CONFIG_ERROR);
        ASSERT_TRUE(p && strstr(p->message, "larger than"));
        ASSERT_INT_EQ(AUDIO(c)->volume.centi_db, -600);
        ASSERT_FALSE(config_probe_enabled(c, &probe_gpio));
        ASSERT_INT_EQ(strv_length(config_files(c)), 1);

        /* Exactly at the limit is read. */
        write_bytes(root, ETC_D "10-huge.conf", data, size - 1);
        _cleanup_(config_unrefp) Config *d = load(root, NULL);
        assert_no_problems(d);
        ASSERT_INT_EQ(AUDIO(d)->volume.percent_value, 1);
}

static void test_file_growing_past_its_size_is_refused(void)
{
        /* A procfs file says 0 bytes and holds megabytes: the cap holds while reading too. */
        _cleanup_sysroot_ char *root = sysroot_new();
        _cleanup_free_ char *file = path_in(root, ETC_D "10-proc.conf");
        _cleanup_free_ char *probe = NULL;
        struct stat st;
        size_t size = 0;

        if (stat("/proc/kallsyms", &st) < 0 || st.st_size != 0 ||
            read_full_file("/proc/kallsyms", 64 * 1024 * 1024, &probe, &size) < 0 ||
            size <= CONFIG_FILE_SIZE_MAX) {
                fprintf(stderr, "    (no /proc/kallsyms over %zu bytes: not checked)\n",
                        CONFIG_FILE_SIZE_MAX);
                return;
        }
        make_symlink(root, ETC_D "10-proc.conf", "/proc/kallsyms");
        _cleanup_(config_unrefp) Config *c = load(root, NULL);
        const ConfigProblem *p = only_problem(c, file, 0, CONFIG_ERROR);
        ASSERT_TRUE(p && strstr(p->message, "larger than"));
        ASSERT_NULL(config_files(c));
}

static void test_dropin_directory_that_is_a_file(void)
{
        _cleanup_sysroot_ char *root = sysroot_new();
        _cleanup_free_ char *not_dir = path_in(root, "run/hwctl/hwctl.conf.d");
        write_text(root, "run/hwctl/hwctl.conf.d", "[Audio]\nVolume=1\n");
        write_text(root, ETC_D "50-x.conf", "[Audio]\nVolume=2\n");
        _cleanup_(config_unrefp) Config *c = load(root, NULL);

        ASSERT_NOT_NULL(only_problem(c, not_dir, 0, CONFIG_ERROR));
        ASSERT_INT_EQ(AUDIO(c)->volume.percent_value, 2);
}

int main(void)
{
        TEST_RUN(test_unknown_keys_and_sections_warn_with_line);
        TEST_RUN(test_later_directory_masks_same_name);
        TEST_RUN(test_dropins_apply_in_lexical_order_across_directories);
        TEST_RUN(test_dev_null_symlink_masks);
        TEST_RUN(test_dev_null_reached_otherwise_masks);
        TEST_RUN(test_only_dot_conf_files_are_read);
        TEST_RUN(test_directory_named_conf_is_reported_and_does_not_mask);
        TEST_RUN(test_fifo_and_dangling_link_do_not_block);
        TEST_RUN(test_explicit_main_file_replaces_sysroot_main);
        TEST_RUN(test_missing_explicit_main_file_is_an_error);
        TEST_RUN(test_syntax_errors_are_reported_per_line_and_parsing_continues);
        TEST_RUN(test_whitespace_comments_crlf_and_bom);
        TEST_RUN(test_nul_bytes_reject_their_line);
        TEST_RUN(test_long_lines_are_rejected_never_truncated);
        TEST_RUN(test_invalid_utf8_and_control_characters);
        TEST_RUN(test_binary_garbage_is_bounded);
        TEST_RUN(test_problem_flood_is_summarised);
        TEST_RUN(test_huge_file_is_refused_whole);
        TEST_RUN(test_file_growing_past_its_size_is_refused);
        TEST_RUN(test_dropin_directory_that_is_a_file);
        return test_exit();
}
