# SPDX-License-Identifier: GPL-2.0-or-later
"""Addon service figures: start-up (process start to service object ready, imports included)
and validating a 200-device layout over D-Bus. Targets: < 1 s and < 200 ms."""
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))

import service_helpers as H  # noqa: E402

STARTUP_TARGET = 1.0
VALIDATE_TARGET = 0.2
RUNS = 5

_STARTUP_CODE = (
    "from org_ovirt_node.service.service import OvirtNodeService\n"
    "OvirtNodeService()\n"
)


def startup_seconds():
    """Median wall time of a fresh interpreter that imports the service and builds it."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([H.DOUBLE, H.REPO])
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", _STARTUP_CODE], env=env, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def validate_seconds(count=200):
    """Median time of ValidateLayout over a private bus on a *count*-device tree."""
    H.use_double()
    from dasbus.connection import AddressedMessageBus
    bus = H.PrivateBus()
    peer = H.StoragePeer(bus.address, H.synthetic_records(count))
    service = H.start_service(bus.address)
    client = AddressedMessageBus(bus.address)
    try:
        H.wait_for_name(client, "org.fedoraproject.Anaconda.Addons.OvirtNode")
        proxy = client.get_proxy("org.fedoraproject.Anaconda.Addons.OvirtNode",
                                 "/org/fedoraproject/Anaconda/Addons/OvirtNode")
        proxy.ValidateLayout()                      # warm-up: lazy imports, profile load
        times = []
        for _ in range(RUNS):
            start = time.perf_counter()
            proxy.ValidateLayout()
            times.append(time.perf_counter() - start)
        return statistics.median(times)
    finally:
        service.terminate()
        service.wait(10)
        client.disconnect()
        peer.stop()
        bus.stop()


def main():
    startup = startup_seconds()
    print("service start-up (process start to service ready, median of %d): %.3f s "
          "(target < %.1f s) %s" % (RUNS, startup, STARTUP_TARGET,
                                    "ok" if startup < STARTUP_TARGET else "SLOW"))
    validate = validate_seconds()
    print("ValidateLayout over D-Bus, 200 devices (median of %d): %.1f ms "
          "(target < %.0f ms) %s" % (RUNS, validate * 1000, VALIDATE_TARGET * 1000,
                                     "ok" if validate < VALIDATE_TARGET else "SLOW"))
    return 0 if startup < STARTUP_TARGET and validate < VALIDATE_TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
