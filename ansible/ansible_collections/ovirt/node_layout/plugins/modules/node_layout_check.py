#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) org_ovirt_node contributors
# GNU General Public License v2.0 or later, which includes v3.0+
# (see https://www.gnu.org/licenses/gpl-2.0.txt)
# SPDX-License-Identifier: GPL-2.0-or-later
"""Ansible module: the pre-upgrade gate of one oVirt Node host, as structured data."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: node_layout_check
short_description: Check whether the next imgbased update will succeed on an oVirt Node host
version_added: "1.0.0"
description:
  - Runs C(ovirt-node-layout verify --pre-upgrade --format json) on the managed host and
    returns its findings as structured data.
  - It checks what imgbased checks or does at an update - a separate C(/var); the volumes it
    will create and whether the thin pool has room for them; pool metadata that must reach
    1 GiB and the volume group space for it; room in the pool for one more image; the pool's
    autoextend threshold (as C(nodectl check)); imgbased's LVM tags; free space in C(/boot)
    for one more kernel. Every finding carries a command that fixes it.
  - The module only reads. It runs the same way in check mode and never reports a change.
  - The host fails when the gate finds errors (see O(fail_on)).
options:
  executable:
    description:
      - The C(ovirt-node-layout) command - a name looked up in E(PATH) or a path.
    type: str
    default: ovirt-node-layout
  root:
    description:
      - Judge the installed root at this path (C(verify --root)) - its C(etc/fstab) gives the
        mount points - instead of what is mounted now.
    type: path
  profile:
    description:
      - A built-in profile name or a profile file on the managed host (its rule severities
        apply).
    type: str
  image_size:
    description:
      - The data of the new image, for example C(6 GiB). By default the data C(/) holds now.
    type: str
  fail_on:
    description:
      - When the host fails - V(errors) (the gate's verdict), V(warnings) (errors or
        warnings), V(never) (only when the check itself cannot run; read RV(verdict)).
    type: str
    choices: [errors, warnings, never]
    default: errors
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: posix
requirements:
  - C(ovirt-node-layout) (package org_ovirt_node) on the managed host.
notes:
  - Exit codes of the command - 0 passes, 1 has findings to fix, 2 could not read the host
    (a tool failed, bad options), 3 a bug. The module fails on 2 and 3 with its message.
seealso:
  - name: The pre-upgrade gate and fleet reports
    description: What each finding means and how the role gates updates.
    link: https://github.com/oVirt/org_ovirt_node/blob/main/docs/fleet.md
author:
  - org_ovirt_node contributors (@oVirt)
"""

EXAMPLES = r"""
- name: Check the host before updating it
  ovirt.node_layout.node_layout_check:
  register: gate

- name: Report only, never fail, and name the image size of the coming update
  ovirt.node_layout.node_layout_check:
    image_size: 6 GiB
    fail_on: never
  register: gate

- name: Show the errors and their fixes
  ansible.builtin.debug:
    msg: "{{ item.code }} {{ item.message }} Fix: {{ item.hint }}"
  loop: "{{ gate.errors }}"
"""

RETURN = r"""
verdict:
  description: V(pass) (nothing to fix), V(warn) (warnings only) or V(fail) (errors).
  returned: success
  type: str
  sample: fail
ok:
  description: Whether the gate found no error.
  returned: success
  type: bool
  sample: false
host:
  description: The host name the report gives (the installed root's, with O(root)).
  returned: success
  type: str
  sample: node01.example.com
counts:
  description: Number of findings per severity.
  returned: success
  type: dict
  sample: {"error": 1, "warning": 0, "info": 2}
findings:
  description: Every finding, errors first.
  returned: success
  type: list
  elements: dict
  contains:
    code:
      description: Stable rule code.
      type: str
      sample: ONN204
    severity:
      description: V(error), V(warning) or V(info).
      type: str
    mountpoint:
      description: The mount point it is about, if any.
      type: str
    message:
      description: What is wrong.
      type: str
    hint:
      description: How to fix it - a command to run on the host.
      type: str
    rule:
      description: The rule's slug.
      type: str
    device:
      description: The device it is about, if any.
      type: str
errors:
  description: The findings of severity error.
  returned: success
  type: list
  elements: dict
warnings:
  description: The findings of severity warning.
  returned: success
  type: list
  elements: dict
pre_upgrade:
  description: The gate's figures - the volumes imgbased would create, the autoextend
    threshold, free space in /boot and the thin pool budget.
  returned: success
  type: dict
report:
  description: The host's report from C(verify --format json) (the one result of its
    envelope; older versions print the report itself) except its layout - what
    C(ovirt-node-layout fleet-report) reads.
  returned: success
  type: dict
cmd:
  description: The command that ran.
  returned: always
  type: list
  elements: str
exit_code:
  description: Its exit code - 0 nothing to fix, 1 findings to fix (see O(fail_on)), 2 the host
    could not be read or bad options, 3 a bug.
  returned: always
  type: int
"""

import json

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.six import string_types

# The envelope every --format json prints (docs/json.md): the report is its one result.
SCHEMA = "urn:org_ovirt_node:ovirt-node-layout:output:v1"


def gate_command(module):
    """The argv of the check, from the module's parameters."""
    params = module.params
    executable = params["executable"]
    if "/" not in executable:
        executable = module.get_bin_path(executable, required=True)
    cmd = [executable, "verify", "--pre-upgrade", "--format", "json"]
    for option, key in (("--root", "root"), ("--profile", "profile"),
                        ("--image-size", "image_size")):
        if params[key]:
            cmd += [option, params[key]]
    return cmd


def host_report(data):
    """The host's report in the command's JSON *data*: the one result of the envelope
    (current versions), or *data* itself (older versions print the report at the top level;
    the managed hosts may have either). Raises ValueError saying why it is neither."""
    schema = data.get("schema") if isinstance(data, dict) else None
    if isinstance(schema, string_types) and schema.startswith("urn:org_ovirt_node:"):
        if schema != SCHEMA:
            raise ValueError("its output version %s is not supported; update the collection"
                             % schema[:100])
        results = data.get("results")
        if not isinstance(results, list) or len(results) != 1:
            raise ValueError("expected one result, the host's report")
        data = results[0]
        error = data.get("error") if isinstance(data, dict) else None
        if error:
            raise ValueError(error.get("message") if isinstance(error, dict) else error)
    if not isinstance(data, dict) or not isinstance(data.get("findings"), list):
        raise ValueError("it printed something else than a report")
    return data


def verdict_of(errors, warnings):
    return "fail" if errors else "warn" if warnings else "pass"


def summarize(data):
    """The module's result from the command's JSON report *data*."""
    findings = [f for f in data.get("findings", []) if isinstance(f, dict)]
    errors = [f for f in findings if f.get("severity") == "error"]
    warnings = [f for f in findings if f.get("severity") == "warning"]
    report = dict((k, v) for k, v in data.items() if k != "layout")
    return dict(verdict=verdict_of(errors, warnings), ok=not errors, host=data.get("host"),
                counts=data.get("counts", {}), findings=findings, errors=errors,
                warnings=warnings, pre_upgrade=data.get("pre_upgrade"), report=report)


def failure_message(result):
    parts = ["%s%s: %s" % (f.get("code"), " " + f["mountpoint"] if f.get("mountpoint") else "",
                           f.get("message")) for f in result["errors"] + result["warnings"]]
    return "pre-upgrade gate: %s (%d error(s), %d warning(s)): %s" % (
        result["verdict"], len(result["errors"]), len(result["warnings"]), " | ".join(parts))


def main():
    module = AnsibleModule(
        argument_spec=dict(
            executable=dict(type="str", default="ovirt-node-layout"),
            root=dict(type="path"),
            profile=dict(type="str"),
            image_size=dict(type="str"),
            fail_on=dict(type="str", default="errors", choices=["errors", "warnings", "never"]),
        ),
        supports_check_mode=True,
    )
    cmd = gate_command(module)
    rc, out, err = module.run_command(cmd)
    # The exit code is returned as exit_code, not rc: Ansible fails any result whose rc is
    # not 0, and 1 (findings) is an answer here, not a failure of the check.
    if rc not in (0, 1):
        module.fail_json(msg="%s (exit %d)" % (err.strip() or out.strip() or "no output", rc),
                         cmd=cmd, exit_code=rc, stderr=err)
    try:
        data = json.loads(out)
    except ValueError as exc:
        module.fail_json(msg="%s printed no JSON report: %s" % (cmd[0], exc), cmd=cmd,
                         exit_code=rc, stderr=err)
    try:
        report = host_report(data)
    except ValueError as exc:
        module.fail_json(msg="%s: %s" % (cmd[0], exc), cmd=cmd, exit_code=rc, stderr=err)
    result = summarize(report)
    result.update(changed=False, cmd=cmd, exit_code=rc)
    fail_on = module.params["fail_on"]
    if (fail_on == "errors" and result["errors"]) or \
            (fail_on == "warnings" and (result["errors"] or result["warnings"])):
        module.fail_json(msg=failure_message(result), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
