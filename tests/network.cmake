# SPDX-License-Identifier: LGPL-2.1-or-later
# The network probe: the planner without privileges; namespaces, dnsmasq and dhcpcd as root.
# Each namespace test skips (77) with its reason when not root or a tool is missing; the whole
# tier runs in well under 3 minutes (two subnets ~30 s, one subnet ~10 s, storm ~10 s).
hwctl_test(test-network-plan unit SOURCES network/test-network-plan.c)
hwctl_test(test-network-sysctl unit SOURCES network/test-network-sysctl.c)
foreach(t two_subnets same_subnet storm one_uplink)
        string(REPLACE "_" "-" name network-${t})
        hwctl_test(${name} network COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/network/test_${t}.py
                LABELS "root;slow" SERIAL TIMEOUT 180)
endforeach()
# On a real Wi-Fi stack, in the VM tier (Debian's kernel): mac80211_hwsim, hostapd, wpa_supplicant.
hwctl_test(network-wifi vm COMMAND ${PROJECT_SOURCE_DIR}/tests/vm/run-vm --timeout 400 --mem 512
        /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/network/test_wifi.py
        LABELS "root;slow" TIMEOUT 500)
hwctl_test(network-wifi-shared vm COMMAND ${PROJECT_SOURCE_DIR}/tests/vm/run-vm --timeout 400
        --mem 512 /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/network/test_wifi_shared.py
        LABELS "root;slow" TIMEOUT 500)
