/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MESSAGE_IDs of hwctld's journal entries; units/hwctl.catalog explains each one. */
#pragma once

#define HWCTL_MESSAGE_STARTED         "486d044acdcb42ccacdba6e7ddaebe41"
#define HWCTL_MESSAGE_READY           "b877da81b14b4e53a8a20d53e488e5a0"
#define HWCTL_MESSAGE_STOPPING        "247c962de9a8443baa17c8e85ee19b70"
#define HWCTL_MESSAGE_BOARD           "d80a9bfc767944978aeb911e7f9ddf6e"
#define HWCTL_MESSAGE_CONFIG_PROBLEM  "c48f7263bcc04572ac2812c28d38de4b"
#define HWCTL_MESSAGE_PROBE_STARTED   "d222e166f3ea49b2bbc526827e0c1286"
#define HWCTL_MESSAGE_PROBE_RESULT    "6319bc7e52674563b4d47f14999c35cf"
#define HWCTL_MESSAGE_PROBE_TIMEOUT   "380a146f6468459683f754921e489139"
#define HWCTL_MESSAGE_PROBE_PROGRESS  "829566ccc57f46f7aaa725d3077e85f8"
#define HWCTL_MESSAGE_RELOAD          "1e27ff0f5eba4f4ab29f65aa5badfdc2"
#define HWCTL_MESSAGE_SNAPSHOT_FAILED "9e6f21434e5840cbba70b6ccc711d926"
#define HWCTL_MESSAGE_BUS             "f95ee9e9710943ba947d43fe48e76299"
#define HWCTL_MESSAGE_PROBE_BUG       "a9266d9a0217482d8147c5e1e60c264c"
#define HWCTL_MESSAGE_RERUN           "80b8892f9b2244129de3a081eab374cf"

/* D-Bus names. */
#define HWCTL_BUS_NAME      "org.hwctl1"
#define HWCTL_BUS_PATH      "/org/hwctl1"
#define HWCTL_BUS_INTERFACE "org.hwctl1.Manager"
