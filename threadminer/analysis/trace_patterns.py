"""The line regexes that find crash reports in mail: prefixes, frames, metadata, report lines.

Every pattern is an `RE_*` constant with a sample line it matches. The title rules (which
header gives which syzbot title) live in `trace_titles.py`; the walk over a message body in
`traces.py`.
"""

from __future__ import annotations

import re

# --- Prefixes around a console line -------------------------------------------------------

# (Quote markers are split off by `quotes.split_line`, so depths agree with quote trees.)

# A syslog or journal prefix in front of a kernel line.
#   Oct 19 23:42:56 test4 kernel: [ 1607.748141] WARNING: CPU: 27 PID: 51385 at ...
#   2022-10-19T23:42:56.123456+00:00 test4 kernel: BUG: unable to handle page fault
#   Jan  1 00:00:00 (none) user.warn kernel: WARNING: CPU: 0 PID: 1 at ...
RE_SYSLOG = re.compile(
    r"^(?:[A-Z][a-z]{2} +\d{1,2} \d\d:\d\d:\d\d|\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?"
    r"(?:Z|[+-]\d\d:?\d\d)?) +\S+ (?:[\w.]+ )?kernel:(?: |$)")

# dmesg -x: facility and level columns.
#   kern  :warn  : [  12.345678] WARNING: CPU: 0 PID: 1 at ...
RE_DMESG_LEVEL = re.compile(r"^(?:kern|user|daemon|syslog) *:[a-z]+ *: ")

# A printk level in angle brackets.
#   <4>[   85.501187] WARNING: foo
RE_LOGLEVEL = re.compile(r"^<\d{1,2}>")

# The printk timestamp, then an optional caller id (CONFIG_PRINTK_CALLER): T = task, C = CPU.
#   [ 1607.748141] iomap_release_folio+0x4d/0xa0
#   [   49.679506][ T8428] ======================================================
#   [  460.963095][    C1] NMI backtrace for cpu 1
RE_TIMESTAMP = re.compile(r"^\[ *(\d+\.\d+)\](?:\[ *([CT]\d+)\])? ?")

# A caller id printed without a timestamp (printk.time=0 with CONFIG_PRINTK_CALLER).
#   [T58] BUG: sleeping function called from invalid context at kernel/kallsyms.c:305
RE_CALLER_ONLY = re.compile(r"^\[ *([CT]\d+)\] ?")

# dmesg -T timestamps (human time instead of seconds).
#   [Wed Oct 19 23:42:56 2022] BUG: unable to handle page fault for address: 0000000000000008
RE_HUMAN_TIMESTAMP = re.compile(r"^\[(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2} +\d+ \d\d:\d\d:\d\d \d{4}\] ?")

# Junk a console glued in front of a timestamp: a login banner, a shell prompt, dropped lines.
#   syzkaller login: [  460.963095][ T3167] [U]
#   root@test4:~# [ 3468.057422] DR0: 0000000000000000 DR1: 0000000000000000
#   :#>:#> [16686.317671] watchdog: BUG: soft lockup - CPU#1 stuck for
#   ** 12 printk messages dropped ** [  123.456789] Call Trace:
RE_GLUED_PREFIX = re.compile(r"^(?:.{0,40}? login: |[^\s\[]{0,40}[#$%>] ?|\*\* \d+ printk messages dropped \*\* )"
                             r"(?=\[ *\d+\.\d+\])")

# What may stand before a header keyword on its line: a subsystem or device prefix, the
# bracket of old lockdep banners, the time stamp of a Go log (syzkaller's own output).
#   watchdog: BUG: soft lockup - CPU#1 stuck for 22s! [syz-executor.0:123]
#   rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:
#   usb 5-1: WARNING: ath10k USB support is incomplete, don't expect anything to work!
#   Oops: general protection fault, probably for non-canonical address 0xdffffc0000000000: 0000 [#1]
#   [ INFO: possible circular locking dependency detected ]
#   2018/01/09 14:28:48 BUG: memory leak
RE_CONSOLE_PREFIX = re.compile(r"^\s*(?:(?:[\w.\-]+(?: [\w.\-:]+)?: ){1,3}|\[ |\d{4}/\d\d/\d\d \d\d:\d\d:\d\d )$")

# A console line glued onto the end of another (two CPUs printing at once, a lost newline):
# the header follows a timestamp in the middle of the line. Read on the last 80 characters
# before the keyword.
#   [   92.39] ------------[ cut here ]------------ [   92.40] WARNING: CPU: 0 PID: 1 at ...
#   [  387.81] audit: type=1326 audit(1486238739.637:135): [  387.82] general protection fault: 0000
RE_GLUED_CONSOLE = re.compile(r"\[ *\d+\.\d+\](?:\[ *[CT]\d+\])? ?(?:\[ |(?:[\w.\-]+(?: [\w.\-:]+)?: ){0,3})$")

# A dev_printk prefix: driver then device name (the device name holds a digit).
#   usb 5-1: WARNING: ath10k USB support is incomplete, don't expect anything to work!
#   ath10k_pci 0000:01:00.0: WARNING: ...
RE_DEVICE_PREFIX = re.compile(r"^\s*+[\w\-]++ (?=[\w\-:.]*?\d)[\w\-:.]*: $")

# --- Frames --------------------------------------------------------------------------------

# One stack frame, in every form mail carries (x86, arm64, powerpc, s390; raw, symbolised,
# inlined, decode_stacktrace.sh):
#    iomap_release_folio+0x4d/0xa0
#    ? xfs_file_buffered_write+0x2b2/0x2e0 [xfs]
#    [<ffffffff81234567>] ? foo+0x1c/0x30
#    ip6_send_skb+0x2f5/0x330 net/ipv6/ip6_output.c:1748
#    __dump_stack lib/dump_stack.c:16 [inline]
#    dump_stack_lvl (lib/dump_stack.c:107 (discriminator 1))
#   dump_backtrace (??:?)
#    [c000000000123456] [c000000000654321] foo+0x1c/0x30 (unreliable)
#    ([<000000000012345a>] foo+0x1c/0x30)
#    kvm_vcpu_ioctl+0x3e0/0x7a0 [kvm 1a2b3c4d5e6f]
RE_FRAME = re.compile(
    r"^\s*+\(?(?P<pcs>(?:\[<?(?:0x)?[0-9a-f]{6,}+>?\] ?){0,2})\s*+(?P<unreliable>\? )?"
    r"(?P<function>[A-Za-z_$][\w$.]*)"
    r"(?:\+0x(?P<offset>[0-9a-f]+)/0x(?P<size>[0-9a-f]+))?"
    r"(?: \[(?P<module>[\w\-]+)(?: [0-9a-f]+)?\])?\)?"
    r"(?: \((?P<dfile>[\w/.\-]+\.\w+|\?\?):(?:(?P<dline>\d+)|\?)(?: \(discriminator \d+\))?(?: [^)]*)?\)"
    r"(?: \[(?P<dmodule>[\w\-]+)\])?"
    r"| (?P<file>[\w/.\-]+\.(?:c|h|S|rs)):(?P<line>\d+)(?P<inline> \[inline\])?)?"
    r"(?P<ppc_unreliable> \(unreliable\))?\s*$")

# ARM's two-function form: callee, then its caller with the offset.
#   [<c0123456>] (dump_backtrace) from [<c0123457>] (show_stack+0x20/0x24)
#   [<c0123456>] (show_stack) from [<c0123457>] (dump_stack_lvl+0x48/0x54)
RE_ARM_FRAME = re.compile(
    r"^\s*\[<?(?:0x)?[0-9a-f]+>?\] \((?P<function>[\w.]+)(?:\+0x(?P<offset>[0-9a-f]+)/0x(?P<size>[0-9a-f]+))?"
    r"(?: \[(?P<module>[\w\-]+)\])?\) from \[<?(?:0x)?[0-9a-f]+>?\] \((?P<caller>[\w.]+)")

# Newer ARM/arm64 form without addresses (CONFIG_ARM_UNWIND prints this on 6.x).
#    dump_backtrace from show_stack+0x20/0x24
RE_ARM_FROM_FRAME = re.compile(r"^\s*(?P<function>[A-Za-z_][\w.]*) from (?P<caller>[A-Za-z_][\w.]*)\+0x")

# Markers inside a call trace that are not frames.
#   <TASK>   </TASK>   <IRQ>   </IRQ>   <NMI>   <EOI>
RE_TRACE_MARKER = re.compile(r"^\s*</?(?:TASK|IRQ|NMI|EOI|SOFTIRQ)>\s*$")

# --- Metadata lines ------------------------------------------------------------------------

# The CPU line of an oops or dump_stack (newer kernels add UID).
#   CPU: 27 PID: 51385 Comm: test_write Not tainted 6.1.0-rc1-dgc+ #1618
#   CPU: 0 UID: 0 PID: 5832 Comm: syz.2.15 Tainted: G        W          6.13.0-rc3-syzkaller #0
#   CPU: 1 PID: 3579 Comm: test_write Tainted: G D W 6.1.0-rc1-dgc+ #1618
#   CPU: 784 PID: 77071 Comm: stress-ng Kdump: loaded Not tainted 5.14.0-55.el9.ppc64le #1
RE_CPU_LINE = re.compile(r"\bCPU: (?P<cpu>\d+) (?:UID: \d+ )?PID: (?P<pid>\d+) Comm: (?P<comm>(?:.*?\S)?)"
                         r"(?: Kdump: loaded)?(?: (?:Not tainted|Tainted: (?P<taint>[A-Z](?:[A-Z ]*[A-Z])?))"
                         r"(?:\s+(?P<kernel>\d\S*+))?| *+$)")

# The kernel version printed alone (hung task reports, RCU stall task dumps).
#         Not tainted 6.1.0-rc1-dgc+ #1618
#         Tainted: G        W          6.13.0-rc3-syzkaller #0
RE_TAINT_LINE = re.compile(r"^\s*(?:Not tainted|Tainted: (?P<taint>[A-Z](?:[A-Z ]*[A-Z])?))\s+(?P<kernel>\d[^\s]*)")

# The machine.
#   Hardware name: QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.16.0-debian-1.16.0-4 04/01/2014
RE_HARDWARE = re.compile(r"^\s*+Hardware name: (?P<hardware>.*?\S)\s*+$")

# The faulting instruction pointer, on x86 (RIP/EIP/IP), arm64 (pc :), arm (PC is at),
# powerpc (NIP) and s390 (Krnl PSW).
#   RIP: 0010:iomap_page_release+0xaf/0xc0
#   pc : __list_del_entry_valid+0x8c/0xc0
#   PC is at foo+0x1c/0x30
#   NIP [c000000000123456] foo+0x1c/0x30
#   Krnl PSW : 0704c00180000000 000000000012345a (foo+0x1c/0x30)
#   RIP: 0010:kmem_cache_alloc_noprof (mm/slub.c:4237)
RE_RIP = re.compile(r"^\s*(?:[RE]?IP: (?:[0-9a-f]{4}:)?(?:\[<[0-9a-f]+>\] )?|pc : |PC is at |NIP:? +\[[0-9a-f]+\] |"
                    r"Krnl PSW : [0-9a-f]+ [0-9a-f]+ \()"
                    r"(?P<function>[A-Za-z_][\w.]*)(?:\+0x[0-9a-f]+/0x[0-9a-f]+| \([\w/.\-]+:(?:\d+|\?))")

# A register dump line: a register name and a hex value (x86, arm64, powerpc, s390), or a
# row of hex words (powerpc GPRs, stack dumps).
#   RSP: 0018:ffffc900087cb5b0 EFLAGS: 00010206
#   x29: ffff80000a4cb7a0 x28: 0000000000000000 x27: 0000000000000000
#   MSR:  00009000 <EE,ME>  CR: 88000422  XER: 20000000
#   GPR00: c00150e4 c3091ec0 c2d9e000 00000000 c3091ef8 00000000 00000000 00000000
#   Stack: ffff88003e4b3d68 ffffffff8112f3e0 0000000000000000 ffff88003e4b3da8
RE_REGISTERS = re.compile(r"^\s*+(?:(?!Fixes|Commit|Link|Closes)[A-Za-z]\w{0,7}+\s*+:\s*+[0-9a-fx]{4,}+\b|"
                          r"(?:[0-9a-f]{8,16}+(?!\w)\s*+){4,}+$)")

# --- Lines that belong to a report (so a blank line before them does not end it) -----------

# Known report lines that look like prose: KASAN, KMSAN, KCSAN, lockdep, kmemleak, RCU,
# hung task, page dumps, end markers.
#   The buggy address belongs to the object at ffff88801d3f0000
#   Allocated by task 3572:
#   other info that might help us debug this:
#   unreferenced object 0xffff888100a3b000 (size 32):
#   ---[ end trace 0000000000000000 ]---
RE_REPORT_PHRASE = re.compile(
    r"^\s*(?:The buggy address|Memory state around|Allocated by task|Freed by task|Last potentially related|"
    r"Second to last potentially|Uninit was (?:created|stored)|Local variable|Bytes \d+-\d+ of \d+|"
    r"Memory access of size|Data copied to user|CPU: \d+|Hardware name|Call [Tt]race|Modules linked in|"
    r"Code: |RIP: |Workqueue: |Read of size|Write of size|(?:read|write)(?: \(marked\))? to 0x|"
    r"value changed:|Reported by Kernel Concurrency|other info that might|the existing dependency|"
    r"which lock already depends|but task is already holding|Chain exists of|Possible (?:unsafe|interrupt)|"
    r"\*\*\* DEADLOCK \*\*\*|\d+ locks? held by|stack backtrace:|no locks held|lockdep_|rcu_scheduler_active|"
    r"unreferenced object|comm \"|hex dump|backtrace(?: \(crc [0-9a-f]+\))?:|page:|page_type:|flags:|raw:|"
    r"page dumped because|page_owner|page last|head:|anon flags|memcg:|Showing all locks|"
    r"task:\S+ +state:|\"echo 0 > |INFO: |rcu: |NMI backtrace|Sending NMI|Kernel panic|Kernel Offset|"
    r"---\[ end|------------\[ cut here|={5,}|-{5,}|\.\.\.+$|\[\.\.\.\]|<snip>|\(stack is not available\)|"
    r"Dumping ftrace buffer|\(ftrace buffer empty\)|irq event stamp|hardirqs last|softirqs last|"
    r"#PF: |PGD |PUD |PMD |PTE |Oops|Internal error|Mem abort info|ESR = |EC = |SET = |FSC = |Data abort info|"
    r"ISV = |CM = |swapper pgtable|\[[0-9a-f]+\] pgd=|KASAN: |general protection fault|"
    r"BUG: |WARNING: |UBSAN: |kernel BUG|shift exponent|index -?\d+ is out of range|"
    r"(?:signed|unsigned) integer overflow|load of value|member access within|"
    r"\S+ \(\S+\) is out of range|note: |LR is at|Krnl (?:PSW|GPRS|Code)|Last Breaking-Event|"
    r"All code|Code starting with the faulting instruction)")

# Where a mail's own structure resumes after a pasted log: trailers, the "---" before a
# diffstat or signature, a diff, a markdown fence. Every open report ends there.
#   Signed-off-by: Jinjie Ruan <ruanjinjie@huawei.com>
#   ---
#   ```
RE_MAIL_BREAK = re.compile(r"^(?:---\s*$|-- $|diff --git |[A-Z][A-Za-z-]*-by: |Fixes: [0-9a-f]{7,}|Link: https?://|"
                           r"Closes: https?://|```|#syz )")


# Lines printed just before a header that belong to its report: the "cut here" line, the
# KASAN/lockdep rule, the message a list or refcount check prints before its BUG/WARNING.
#   ------------[ cut here ]------------
#   ==================================================================
#   list_del corruption, ffff888012345678->next is LIST_POISON1 (dead000000000100)
#   refcount_t: underflow; use-after-free.
RE_LEAD_IN = re.compile(r"^\s*(?:-+\[ cut here \]-+|={20,}|list_(?:add|del) corruption|refcount_t: |"
                        r"DEBUG_LOCKS_WARN_ON|Unable to handle kernel|BUG: kernel NULL pointer)")

# An unreliable frame's mark: syzkaller looks for " ? "; mail often lost the leading space.
#    ? __schedule+0x301/0xa30
#   ? xas_load+0x24/0xa0
#   [<ffffffff81234567>] ? foo+0x1c/0x30
RE_QUESTION_MARK = re.compile(r"(?:^|(?<=\s)|(?<=\]))\? (?=[A-Za-z_])")

# A CPU line that may open a register dump with no header (a CPU caught spinning).
#   CPU: 1 PID: 3579 Comm: test_write Tainted: G D W 6.1.0-rc1-dgc+ #1618
RE_SPIN_CPU = re.compile(r"^\s*CPU: \d+ (?:UID: \d+ )?PID: \d+ Comm: ")

# A WARNING or RIP line cut right before its function by a mail client.
#   [    1.111880] WARNING: CPU: 0 PID: 164 at
#   WARNING: CPU: 27 PID: 51385 at fs/iomap/buffered-io.c:80
#   Aug 20 00:06:19 (none) user.warn kernel: RIP:
RE_AT_SOURCE_END = re.compile(r"\bat(?: [\w/.\-]+\.[a-zA-Z]+:\d+)?\s*$|RIP: (?:[0-9a-f]{4}:)?\s*$")

# The start of a written sentence (a capitalised word, then a lower-case one).
#   The execution time of function kallsyms_on_each_match_symbol() is very
RE_SENTENCE_START = re.compile(r"^[A-Z][a-z]+ [a-z]")

# Prose: a word of two letters or more (a line without one is a log line or junk).
#   This causes a different problems to occur. First, a task hangs
RE_WORD = re.compile(r"[A-Za-z]{2,}")

# Lines a console prints on its own that a mail client never wraps into: they are never
# the tail of a hard-wrapped line.
#   executing program
#   [pid  3610] mkdir("/dev/binderfs", 0777) = 0
#   2018/02/19 19:56:25 executing program 7:
RE_STANDALONE = re.compile(r"^(?:executing program|\[pid +\d+\]|syzkaller login|[^\s@]++@[^\s:~#$]++[:~#$]|"
                           r"\d{4}/\d\d/\d\d \d\d:\d\d:\d\d )")
