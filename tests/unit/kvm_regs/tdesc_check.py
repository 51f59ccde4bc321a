#!/usr/bin/env python3
"""Load gdbhub-kvm's target descriptions into the real gdb and hold gdb's
register table against the layout backends/kvm/regs promises.

For each arch, kvm_regs_tdesc_dump writes gdb_target_xml(arch, "target.xml")
to a file and prints our layout ("NAME REGNO OFFSET SIZE" per register, then
"pc N" and "sp N"). gdb reads the file with `set tdesc filename` (no target
needed) and `maint print remote-registers` lists every register with its
remote number and its offset in the g packet. The test fails when gdb
complains about the document, picks another architecture, did not take
the description as an x86 one (no pseudo registers such as ax), or when
any register's name, number, size or g offset differs from ours.

Usage: tdesc_check.py DUMP_TOOL [--gdb GDB]; exits 77 without gdb.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

SKIP = 77

ARCHES = {
    # our name: (gdb's architecture, pc name, pseudo registers the x86
    # gdbarch adds only when it accepted the description)
    'i386': ('i386', 'eip', ['al', 'ax', 'mm0']),
    'x86-64': ('i386:x86-64', 'rip', ['al', 'ax', 'eax', 'r8d']),
}

# " Name  Nr  Rel  Offset  Size  Type  [Rmt Nr  g/G Offset]"
ROW = re.compile(r"^ (\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\S+)"
                 r"(?:\s+(\d+)\s+(\d+))?\s*$")


def our_layout(tool, arch, xml_path):
    out = subprocess.run([tool, arch, xml_path], check=True,
                         capture_output=True, text=True).stdout
    regs, special = {}, {}
    for line in out.splitlines():
        f = line.split()
        if len(f) == 4:
            regs[int(f[1])] = (f[0], int(f[2]), int(f[3]))
        elif len(f) == 2:
            special[f[0]] = int(f[1])
    return regs, special


def gdb_table(gdb, xml_path, cwd):
    cmd = [gdb, '-batch', '-nx',
           # a gdb that trips over the document says so and exits, without
           # leaving a core file behind
           '-iex', 'maint set internal-error quit yes',
           '-iex', 'maint set internal-error corefile no',
           '-ex', 'set tdesc filename ' + xml_path,
           '-ex', 'show architecture',
           '-ex', 'maint print remote-registers']
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd,
                       timeout=60)
    return r.returncode, r.stdout, r.stderr


def check_arch(tool, gdb, arch, tmp):
    want_arch, pc_name, pseudo = ARCHES[arch]
    xml_path = os.path.join(tmp, arch + '.xml')
    ours, special = our_layout(tool, arch, xml_path)
    rc, out, err = gdb_table(gdb, xml_path, tmp)
    errors = []

    if rc != 0:
        errors.append('gdb exited with %d' % rc)
    for line in (out + err).splitlines():
        low = line.lower()
        if 'warning' in low or 'error' in low or 'could not' in low:
            errors.append('gdb says: ' + line.strip())
    if '(currently "%s")' % want_arch not in out:
        errors.append('architecture is not %s: %s' % (
            want_arch, [l for l in out.splitlines() if 'architecture' in l]))

    remote, names = {}, set()
    for line in out.splitlines():
        m = ROW.match(line)
        if not m:
            continue
        name, size = m.group(1), int(m.group(5))
        names.add(name)
        if m.group(7) is not None:
            rnum = int(m.group(7))
            if rnum in remote:
                errors.append('gdb gives remote number %d twice' % rnum)
            remote[rnum] = (name, int(m.group(8)), size)
    if not remote:
        errors.append('no register table from gdb:\n' + out + err)

    for regno in sorted(set(ours) | set(remote)):
        if regno not in remote:
            errors.append('gdb has no register %d (ours: %s)' % (regno, ours[regno]))
        elif regno not in ours:
            errors.append('gdb has register %d %s that we do not' % (regno, remote[regno]))
        elif ours[regno] != remote[regno]:
            errors.append('register %d: ours (name, g offset, size) %s, gdb %s' % (
                regno, ours[regno], remote[regno]))
    for p in pseudo:
        if p not in names:
            errors.append('gdb has no pseudo register %s: not an x86 description?' % p)
    if ours.get(special.get('pc'), ('',))[0] != pc_name:
        errors.append('our pc is register %s, not %s' % (special.get('pc'), pc_name))

    print('%s: %d registers, g packet %d bytes, %s' % (
        arch, len(ours), sum(s for _, _, s in ours.values()),
        'ok' if not errors else '%d problems' % len(errors)))
    for e in errors:
        print('  ' + e)
    return not errors


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('tool')
    ap.add_argument('--gdb', default=shutil.which('gdb'))
    args = ap.parse_args()
    if not args.gdb or not os.access(args.gdb, os.X_OK):
        print('gdb not found: skipped')
        return SKIP
    with tempfile.TemporaryDirectory(prefix='kvm-regs-tdesc-') as tmp:
        ok = all([check_arch(args.tool, args.gdb, a, tmp) for a in ARCHES])
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
