"""syzbot-style titles for crash reports: the header rules, the guilty frame, alt titles, type.

A title names the crash the way syzbot does ("WARNING in iomap_page_release", "KASAN:
use-after-free Read in ip6_send_skb", "INFO: task hung in rtnl_lock"). It comes from the
report's header line and one *guilty* frame: the first frame of the right stack that is not a
generic helper (allocators, locks, string and list functions, sanitizer internals).

The behaviour follows syzkaller's `pkg/report` (Apache-2.0), learnt from its documentation,
its test corpus (`corpus/syzkaller/linux-report`) and the kernel's own message formats; the
code and the rule table here are written for threadminer. `describe(lines)` is the entry
point: it takes the cleaned lines of one report, header first.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Callable, Sequence

from .symbols import demangle


# Placeholders the rules are written with.
PC = r"\[\<?(?:0x)?[0-9a-f]+\>?\]"
FUNC = r"([a-zA-Z0-9_]+)(?:\.|\+)"
# (Starts only where a path can start: tried inside a long run, it would rescan the run.)
SRC = r"(?<![a-zA-Z0-9\-_/.])([a-zA-Z0-9\-_/.]+\.[a-z]+:[0-9]+)"


# The task name in a hung-task header: up to 100 characters, a line break included (a
# console may cut the header after "INFO: task ").
TASK = r"[\s\S]{0,100}?"
# "Any lines, then": how rule regexes reach a later line of the report.
LINE_LOOP = r"(?:.*\n)+?"


class LazyPattern:
    """A rule pattern compiled on its first use. The rule table holds about two hundred of
    them; compiling them all at import took most of a command's start-up, and a command
    that reads reports from the store's cache matches none. Behaves as the compiled
    pattern (`search`, `match`, ... are looked up on it)."""

    __slots__ = ("pattern", "flags", "_compiled")

    def __init__(self, pattern: str, flags: int = 0):
        self.pattern = pattern
        self.flags = flags
        self._compiled: re.Pattern[str] | None = None

    def __getattr__(self, name: str):
        if self._compiled is None:
            self._compiled = re.compile(self.pattern, self.flags)
        return getattr(self._compiled, name)


def rx(pattern: str) -> re.Pattern[str]:
    """A rule regex with {{PC}}, {{FUNC}}, {{SRC}}, {{ADDR}} and {{TASK}} filled in.

    With two "any lines" loops, the first is made atomic: the earliest line it can stop at
    leaves the most lines for the second, so backtracking into it (quadratic in the report's
    lines when the second part fails) can never find a match it missed."""
    pattern = (pattern.replace("{{ADDR}}", "0x[0-9a-f]+").replace("{{PC}}", PC)
               .replace("{{FUNC}}", FUNC).replace("{{SRC}}", SRC).replace("{{TASK}}", TASK))
    first, last = pattern.find(LINE_LOOP), pattern.rfind(LINE_LOOP)
    if first != last:
        pattern = pattern[:first] + "(?>" + pattern[first:last] + ")" + pattern[last:]
    return LazyPattern(pattern)  # type: ignore[return-value]


_LOOP_HEADS: dict[re.Pattern[str], re.Pattern[str] | None] = {}


def first_match(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    """`pattern.search(text)` in linear time for a rule with an "any lines" loop.

    `search` retries the loop from every place the part before it matches, each try reading
    to the end of the report. But what the loop needs is a later line, and a later start
    only has fewer of them: if the first place fails, every later one does. So only the
    first place is tried."""
    if pattern not in _LOOP_HEADS:
        cut = pattern.pattern.find(LINE_LOOP)
        head = None
        if cut > 0:
            try:
                head = re.compile(pattern.pattern[:cut], pattern.flags)
            except re.error:
                head = None
        _LOOP_HEADS[pattern] = head
    head = _LOOP_HEADS[pattern]
    if head is None:
        return pattern.search(text)
    m = head.search(text)
    return pattern.match(text, m.start()) if m else None


# riscv prints its stack after show_regs() with no heading: this, the last register line, is one.
RISCV_STACK_START = re.compile(r"status: [0-9a-f]{16} badaddr: [0-9a-f]{16} cause: [0-9a-f]{16}")
# Headings of a stack trace. "stack backtrace:" (lockdep) is not one: its frames follow a
# Call Trace heading of their own.
STACK_STARTS = (re.compile(r"Call (?:T|t)race"), re.compile(r"Allocated:"), re.compile(r"Allocated by task [0-9]+:"),
                re.compile(r"Freed:"), re.compile(r"Freed by task [0-9]+:"),
                # (At a line's start too: mail loses the indentation kmemleak prints.)
                re.compile(r"(?:^ ?|[^k] )backtrace(?: \(crc [0-9a-fA-F]*\))?:"), re.compile(r"Backtrace:"),
                re.compile(r"Uninit was stored to memory at"), RISCV_STACK_START)
RE_STACK_START = re.compile("|".join(p.pattern for p in STACK_STARTS))

# A Go runtime's dump after "fatal error:" or "panic:": goroutines and their frames.
#   goroutine 1 [running]:
#   runtime.throw({0x4772bc?, 0x20000?})
GO_TRACEBACK = re.compile(r"(?m)^\s*goroutine \d+ \[|^\s*runtime\.\w+\(")

# A step of a stack recipe that means: read frames from here on.
PARSE = re.compile(r"(?!)")

# The faulting-instruction line of every architecture, as one step of a recipe.
# (threadminer adds s390's "Krnl PSW" and the decode_stacktrace.sh form "RIP: 0010:foo (mm/foo.c:12)".)
RIP_STEP = rx(r"(?:IP|NIP|pc |PC is at):? (?:(?:[0-9]+:)?(?:{{PC}} +){0,2}{{FUNC}}|(?:[0-9]+:)?0x[0-9a-f]+|"
              r"(?:[0-9]+:)?{{PC}} +\[< *\(null\)>\] +\(null\)|[0-9]+: +\(null\)|"
              r"(?:[0-9]+:)?([a-zA-Z0-9_]+)(?:\.[\w.]+)? \([\w/.\-]+:(?:\d+|\?)\)?)|Krnl PSW : [0-9a-f]+ [0-9a-f]+ \({{FUNC}}")
CALL_TRACE = rx(r"(?:Call (?:T|t)race:)|(?:Backtrace:)")

# A line that is one frame (captures the function): x86/arm64 and ARM's "(f) from (g)".
FRAME_STEPS = (
    rx(r"^ *(?:{{PC}} ){0,2}{{FUNC}}"),
    rx(r"^ *{{PC}} \(([a-zA-Z0-9_.]+)\) from {{PC}} \({{FUNC}}"),
    # decode_stacktrace.sh output: " dump_stack_lvl (lib/dump_stack.c:107)".
    re.compile(r"^ *(?:" + PC + r" ){0,2}([a-zA-Z0-9_]+)(?:\.[\w.]+)? \((?:[\w/.\-]+\.[a-zA-Z]+|\?\?):(?:\d+|\?)"),
)

# Lines that show the stack is mixed with fault injection output.
CORRUPTING_LINES = (rx(r"^( \[\<?(?:0x)?[0-9a-f]+\>?\])? should_fail(slab)?(\.[a-z0-9.]+)?\+0x"),)

# Generic frames: never the guilty one (matched as a substring of the function name).
SKIP_ALWAYS = (
    "__sanitizer", "__asan", "kasan", "hwasan", "__msan", "kmsan", "kcsan_setup_watchpoint",
    "check_memory_region", "check_heap_object", "check_object", "read_word_at_a_time",
    "(read|write)_once_.*nocheck", "print_address_description", "panic", "invalid_op", "report_bug",
    "fixup_bug", "print_report", "print_usage_bug", "do_error", "_trap$|do_trap", "show_stack",
    "dump_stack", "walk_stack", "dump_backtrace", "warn_slowpath", "warn_alloc", "warn_bogus", "__warn",
    "alloc_page", "k?v?(?:m|z|c)alloc", "krealloc", "kmem_cache", "allocate_slab",
    "__alloc_frozen_pages_noprof", "folio_(?:alloc|unlock)", "filemap_alloc_folio", "__filemap_get_folio",
    "find_or_create_page", "do_read_cache_folio", "read_cache_page", "pagecache_get_page",
    "grab_cache_page_write_begin", "slab_", "debug_object", "timer_is_static_object",
    "work_is_static_object", "__might_fault", "print_unlock", "imbalance_bug", "lockdep", "bh_enable",
    "bh_disable", "perf_trace", "lock_acquire", "lock_release", "lock_class", "mark_lock",
    "(reacquire|mark)_held_locks", "raw_spin_rq", "spin_lock", "spin_trylock", "spin_unlock",
    "read_lock", "read_trylock", "write_lock", "write_trylock", "read_unlock", "write_unlock", "^down$",
    "down_read", "down_write", "down_read_trylock", "down_write_trylock", "down_trylock", "up_read",
    "up_write", "^mutex_", "^__mutex_", "^rt_mutex_", "owner_on_cpu", "osq_lock", "osq_unlock",
    "atomic(64)?_(dec|inc|read|set|or|xor|and|add|sub|fetch|xchg|cmpxchg|try)",
    "(set|clear|change|test)_bit", "__wake_up", "^refcount_", "^kref_", "ref_tracker", "seqprop_assert",
    "memcpy", "memcmp", "memset", "memchr", "memmove", "memdup", "strcmp", "strncmp", "strcpy", "strlcpy",
    "strncpy", "strscpy", "strlen", "strstr", "strnstr", "strnlen", "strchr", "strdup", "strndup",
    "copy_to_user", "copy_from_user", "copy_to_iter", "copy_from_iter", "copy_page_to_iter",
    "copy_page_from_iter", "copy_folio_to_iter", "^copyin$", "^copyout$", "put_user", "get_user",
    "might_fault", "might_sleep", "list_add", "list_del", "list_replace", "list_move", "list_splice",
    "^rb_", "^__rb_", "_indirect_thunk_", "string", "pointer", "snprintf", "scnprintf", "kasprintf",
    "kvasprintf", "printk", "va_format", "dev_info", "dev_notice", "dev_warn", "dev_err", "dev_alert",
    "dev_crit", "dev_emerg", "program_check_exception", "program_check_common", "del_timer",
    "flush_work", "__cancel_work_timer", "cancel_work_sync", "try_to_grab_pending", "flush_workqueue",
    "drain_workqueue", "destroy_workqueue", "queue_work", "finish_wait", "kthread_stop", "kobject_",
    "add_uevent_var", "get_device_parent", "device_add", "device_del", "device_unregister",
    "device_destroy", "device_release", "devres_release_all", "hwrng_unregister", "i2c_del_adapter",
    "__unregister_client", "device_for_each_child", "rollback_registered", "unregister_netdev",
    "sysfs_remove", "device_remove_file", "tty_unregister_device", "dummy_urb_enqueue", "usb_kill_urb",
    "usb_kill_anchored_urbs", "usb_control_msg", "usb_hcd_submit_urb", "usb_submit_urb", "^complete$",
    "wait_for_completion", "^kv?free$", "kfree_skb", "readb$", "readw$", "readl$", "readq$", "writeb$",
    "writew$", "writel$", "writeq$", "logic_in", "logic_out", r"^crc\d+", "crc_itu_t", "__might_resched",
    "assertfail", "^iput$", "^iput_final$", "^ihold$", "hex_dump_to_buffer", "print_hex_dump", "^klist_",
    "(trace|lockdep)_(hard|soft)irq", "^(un)?lock_page", "stack_trace_consume_entry", "arch_stack_walk",
    "stack_trace_save", "insert_work", "__queue_delayed_work", "queue_delayed_work_on", "ida_free",
    "do_(kernel|translation)_fault", "do_mem_abort", "el1_abort", "el1h_64_sync(?:_handler)?",
    "print_tainted", "xas_(?:start|load|find)", "find_lock_entries", "truncate_inode_pages_range",
    "__phys_addr", "__fortify_report", "cleanup_srcu_struct", "rhashtable_lookup",
    "extract_(user|iter)_to_sg", "drop_nlink", "^get_taint$", "^put_device$", "lock_timer_base",
    "__timer_delete_sync", "sk_stop_timer_sync", "__mod_timer", "fast_dput", "dput", "mark_buffer_dirty",
)

# Syscall-entry prefixes that differ by architecture and kernel version: the title uses the
# name without them (the shortest single strip), alt titles keep the raw name too.
SYSCALL_PREFIXES = ("SYSC_", "SyS_", "sys_", "__x64_", "__ia32_", "__arm64_", "____sys_", "___sys_", "__sys_",
                    "__se_", "__se_sys_", "__do_sys_", "compat_SYSC_", "compat_SyS_", "ksys_")

# Functions that dispatch work: during a stall, the guilty frame is the one just above them.
STALL_ANCHORS = tuple(re.compile(p) for p in (
    "process_one_work", "do_syscall_", "do_fast_syscall_", "sysenter_dispatch", "tracesys_phase2",
    "el0_svc_handler", "invoke_syscall", "ret_fast_syscall", "netif_receive_skb", "do_softirq",
    "call_timer_fn", "_run_timers", "run_timer_softirq", "hrtimer_run", "run_ksoftirqd",
    "smpboot_thread_fn", "^kthread$", "start_secondary", "cpu_startup_entry", "ret_from_fork",
    "vfs_write", "vfs_read", "vfs_iter_read", "vfs_iter_write", "do_iter_read", "do_iter_write",
    "call_read_iter", "call_write_iter", "new_sync_read", "new_sync_write", "vfs_ioctl", "ksys_ioctl",
    "compat_ioctl", "compat_sys_ioctl", "blkdev_driver_ioctl", "blkdev_ioctl", "do_iter_readv_writev",
    "^call_mmap", "mmap_region", "do_mmap", "do_dentry_open", "vfs_open", "^sock_sendmsg",
    "^sock_recvmsg", "^sock_release", "^__sock_release", "^setsockopt$", "kernel_setsockopt",
    "sock_common_setsockopt", "^listen$", "kernel_listen", "sk_common_release", "^sock_mmap", "^accept$",
    "kernel_accept", "^sock_do_ioctl", "^sock_ioctl", "^compat_sock_ioctl", "^nfnetlink_rcv_msg",
    "^rtnetlink_rcv_msg", "^netlink_dump", "^(sys_)?(socketpair|connect|ioctl)", "__do_fault",
    "do_page_fault", "^page_fault$", "__fput", "task_work_run", "exit_to_usermode", "smp_call_function",
    "tasklet_action", "tasklet_hi_action"))

Extractor = Callable[[Sequence[str]], int]


def first_frame(frames: Sequence[str]) -> int:
    return 0 if frames else -1


def stall_frame(frames: Sequence[str]) -> int:
    """During a stall the top frames are wherever the loop happened to be: take the frame just
    above the first dispatcher (syscall entry, workqueue, timer, ...), which names the work."""
    prev = 0
    for index, frame in enumerate(frames):
        if any(anchor.search(frame) for anchor in STALL_ANCHORS):
            return index if "smp_call_function" in frame else prev
        prev = index
    return -1


# Hung tasks wait in random victims: group the common waits, then skip waiting frames.
HANG_ANCHORS = ("rtnl_lock", "synchronize_rcu", "synchronize_srcu", "synchronize_net", "synchronize_sched")
HANG_SKIP = ("sched", "_lock", "_slowlock", "down", "rwsem", "completion", "kthread", "wait", "synchronize",
             "context_switch", "__switch_to", "cancel_delayed_work", "rcu_barrier")


def hang_frame(frames: Sequence[str]) -> int:
    for index, frame in enumerate(frames):
        if any(anchor in frame for anchor in HANG_ANCHORS):
            return index
    for index, frame in enumerate(frames):
        if not any(word in frame for word in HANG_SKIP):
            return index
    return -1


def hang_name(frame: str) -> str:
    """All RCU-synchronisation hangs are one bucket, named synchronize_rcu."""
    for anchor in HANG_ANCHORS[1:]:
        if anchor in frame:
            return "synchronize_rcu"
    return frame


@dataclass(frozen=True)
class Stack:
    """How to find the guilty frame: `steps` are matched line by line in order; a step that
    captures yields frames, PARSE reads a stack trace. `fallback` is tried when no frame is found."""

    steps: tuple[re.Pattern[str], ...]
    fallback: tuple[re.Pattern[str], ...] = ()
    skip: tuple[str, ...] = ()
    pick: Extractor = first_frame
    rename: Callable[[str], str] | None = None
    # False: only `skip` applies (a spinning CPU is named by where it spins, even in a helper).
    skip_generic: bool = True


@dataclass(frozen=True)
class Rule:
    """One header form and the title it gets. `title` and `alt` use {1}, {2}, ... for the
    groups of `pattern` (or of `report` when given), then the guilty frames."""

    pattern: re.Pattern[str]
    title: str
    report: re.Pattern[str] | None = None
    alt: tuple[str, ...] = ()
    stack: Stack | None = None
    no_stack: bool = False
    corrupted: bool = False
    # Needs more evidence than the header line before mail counts it as a report.
    weak: bool = False
    # Distinctive enough to be a report on its own line (a kernel message nobody writes).
    alone: bool = False
    # The group holding the function the header line itself names ("WARNING: ... at f.c:1 func+0x1/0x2"):
    # when the stack gives no frame, an alt title with it lets a quoted excerpt meet the full report.
    header_frame: int | None = None
    # A report only when its text holds this (a Go runtime error's goroutine dump: a compiler
    # prints "fatal error:" too).
    needs: re.Pattern[str] | None = None


@dataclass(frozen=True)
class Header:
    """A keyword that starts a report, the rules that title it, and lines it must not match."""

    keyword: str
    rules: tuple[Rule, ...]
    ignores: tuple[re.Pattern[str], ...] = ()
    # Only starts a report when none is open (inside a report it is one of its lines).
    weak: bool = False
    # The keyword is distinctive wherever it stands on the line (prose never writes it).
    anywhere: bool = False
    # Its line alone is a report: a kernel message people paste on its own ("Kernel panic -
    # not syncing: VFS: Unable to mount root fs"), never written by hand.
    alone: bool = False
    # Only in a bare console log: in mail a person wrote, the line shows something else (a
    # pasted boot log shows "Booting the kernel." at every boot).
    bare_log_only: bool = False
    # Only in mail a person wrote: a report syzkaller does not title, so that a bare console
    # log is read as syzkaller reads it (a hard lockup there is titled by the panic after it).
    mail_only: bool = False


def warning_stack(*skip: str) -> Stack:
    """WARNINGs trap: the stack starts at the RIP (or powerpc's interrupt) line, else at Call Trace."""
    return Stack((re.compile(f"(?:{RIP_STEP.pattern}|--- interrupt: [0-9]+ at {FUNC})"), PARSE),
                 fallback=(CALL_TRACE, PARSE), skip=skip)


def at_rip(*skip: str, pick: Extractor = first_frame) -> Stack:
    return Stack((RIP_STEP, CALL_TRACE, PARSE), skip=skip, pick=pick)


def in_trace(*skip: str, pick: Extractor = first_frame, rename=None) -> Stack:
    return Stack((CALL_TRACE, PARSE), skip=skip, pick=pick, rename=rename)


LOCKDEP_AT = r"(?:.*\n)+?.*at: (?:{{PC}} +)?{{FUNC}}"
# Where a spinning CPU sits that says nothing about why: idle, delay loops, NMI handling.
SPIN_SKIP = ("nmi_", "native_safe_halt", "default_idle", "cpu_relax", "delay_tsc", "__const_udelay", "rep_nop",
             "queued_spin_lock_slowpath", "_raw_spin_lock", "do_raw_spin_lock", "arch_cpu_idle")
MEMLEAK_SKIP = ("kmemleak", "mmap", "kmem", "slab", "alloc", "create_object", "idr_get", "list_lru_init",
                "kasprintf", "kvasprintf", "pcpu_create", "strdup", "strndup", "memdup")
KMSAN_STACK = Stack((PARSE, rx(r"(Local variable .* created at:|Uninit was created at:)"), PARSE))

HEADERS: tuple[Header, ...] = (
    Header("BUG:", (
        Rule(rx(r"BUG: KASAN:"), "KASAN: {1} {3} in {4}",
             report=rx(r"BUG: KASAN: ([a-z\-]+) in {{FUNC}}(?:.*\n)+?.*(Read|Write) (?:of size|at addr) (?:[0-9a-f]+)"),
             alt=("bad-access in {4}",),
             stack=Stack((rx(r"BUG: KASAN: (?:[a-z\-]+) in {{FUNC}}"), CALL_TRACE, PARSE),
                         skip=("kernel_fault", "tag_check", "mem_abort", "^el1_", "^el1h_"))),
        Rule(rx(r"BUG: KASAN:"), "KASAN: invalid-free in {2}",
             report=rx(r"BUG: KASAN: (?:double-free or invalid-free|double-free|invalid-free) in {{FUNC}}"),
             alt=("invalid-free in {2}",),
             stack=Stack((rx(r"BUG: KASAN: (?:double-free or invalid-free|double-free|invalid-free) in {{FUNC}}"),
                          CALL_TRACE, PARSE), skip=("slab_", "kfree", "vunmap", "vfree"))),
        Rule(rx(r"BUG: KASAN: ([a-z\-]+) on address(?:.*\n)+?.*(Read|Write) of size ([0-9]+)"), "KASAN: {1} {2}"),
        Rule(rx(r"BUG: KASAN: (.*)"), "KASAN: {1}", corrupted=True),
        Rule(rx(r"BUG: KMSAN: kernel-usb-infoleak"), "KMSAN: kernel-usb-infoleak in {2}",
             report=rx(r"BUG: KMSAN: kernel-usb-infoleak in {{FUNC}}"), alt=("KMSAN origin in {3}",),
             stack=Stack(KMSAN_STACK.steps, skip=("alloc_skb", "usb_submit_urb", "usb_start_wait_urb",
                                                  "usb_bulk_msg", "usb_interrupt_msg", "usb_control_msg")),
             no_stack=True),
        Rule(rx(r"BUG: KMSAN:"), "KMSAN: {1} in {3}", report=rx(r"BUG: KMSAN: ([a-z\-]+) in {{FUNC}}"),
             alt=("bad-access in {3}",),
             stack=Stack(KMSAN_STACK.steps, skip=("alloc_skb", "netlink_ack", "netlink_rcv_skb", "_encrypt$",
                                                  "^(?:crypto|cipher|drbg|rng)_")),
             no_stack=True),
        Rule(rx(r"BUG: KCSAN:"), "KCSAN: {1}", report=rx(r"BUG: KCSAN: (.*)"), no_stack=True),
        Rule(rx(r"BUG: KFENCE: (use-after-free|out-of-bounds) (read|write) in {{FUNC}}"), "KFENCE: {1} {2} in {4}",
             alt=("bad-access in {4}",), stack=Stack((rx(r"BUG: KFENCE: (?:[a-z\- ]+) in {{FUNC}}"), PARSE))),
        Rule(rx(r"BUG: KFENCE: invalid free in {{FUNC}}"), "KFENCE: invalid free in {2}", alt=("invalid-free in {2}",),
             no_stack=True, stack=Stack((rx(r"BUG: KFENCE: (?:[a-z\- ]+) in {{FUNC}}"), PARSE))),
        Rule(rx(r"BUG: KFENCE: invalid (read|write) in {{FUNC}}"), "KFENCE: invalid {1} in {3}",
             alt=("bad-access in {3}",), stack=Stack((rx(r"BUG: KFENCE: (?:[a-z\- ]+) in {{FUNC}}"), PARSE))),
        Rule(rx(r"BUG: KFENCE: memory corruption in {{FUNC}}"), "KFENCE: memory corruption in {2}", no_stack=True,
             stack=Stack((rx(r"BUG: KFENCE: (?:[a-z\- ]+) in {{FUNC}}"), PARSE))),
        Rule(rx(r"BUG: (?:unable to handle kernel paging request|unable to handle page fault for address|"
                r"Unable to handle kernel data access|Unable to handle kernel instruction fetch)"),
             "BUG: unable to handle kernel paging request in {1}", alt=("bad-access in {1}",), stack=at_rip()),
        Rule(rx(r"BUG: (?:unable to handle kernel NULL pointer dereference|kernel NULL pointer dereference|"
                r"Kernel NULL pointer dereference)"),
             "BUG: unable to handle kernel NULL pointer dereference in {1}", alt=("bad-access in {1}",), stack=at_rip()),
        Rule(rx(r"BUG: (?:unable to handle kernel|Unable to handle kernel)"), "BUG: unable to handle kernel",
             corrupted=True),
        Rule(rx(r"BUG: (spinlock|rwlock) (lockup suspected|already unlocked|recursion|cpu recursion|bad magic|"
                r"wrong owner|wrong CPU|trylock failure on UP)"), "BUG: {1} {2} in {3}",
             stack=in_trace("spin_", "_lock", "_unlock")),
        Rule(rx(r"BUG: soft lockup"), "BUG: soft lockup in {1}", alt=("stall in {1}",),
             stack=at_rip(pick=stall_frame)),
        Rule(rx(r"BUG: .*still has locks held!"), "BUG: still has locks held in {1}",
             report=rx(r"BUG: .*still has locks held!(?:.*\n)+?.*{{PC}} +{{FUNC}}")),
        Rule(rx(r"BUG: scheduling while atomic"), "BUG: scheduling while atomic in {1}", stack=in_trace("schedule")),
        Rule(rx(r"BUG: lock held when returning to user space"), "BUG: lock held when returning to user space in {1}",
             report=rx(r"BUG: lock held when returning to user space(?:.*\n)+?.*leaving the kernel with locks still held"
                       r"(?:.*\n)+?.*at: (?:{{PC}} +)?{{FUNC}}"), no_stack=True),
        Rule(rx(r"BUG: bad unlock balance detected!"), "BUG: bad unlock balance in {1}",
             stack=Stack((rx(r"{{PC}} +{{FUNC}}"), CALL_TRACE, PARSE))),
        Rule(rx(r"BUG: held lock freed!"), "BUG: held lock freed in {1}",
             report=rx(r"BUG: held lock freed!(?:.*\n)+?.*{{PC}} +{{FUNC}}")),
        Rule(rx(r"BUG: Bad rss-counter state"), "BUG: Bad rss-counter state", no_stack=True, alone=True),
        Rule(rx(r"BUG: non-zero nr_ptes on freeing mm"), "BUG: non-zero nr_ptes on freeing mm", no_stack=True),
        Rule(rx(r"BUG: non-zero nr_pmds on freeing mm"), "BUG: non-zero nr_pmds on freeing mm", no_stack=True),
        # The filesystem type and block device vary from run to run; the title leaves them out.
        Rule(rx(r"BUG: Dentry .* still in use"), "BUG: Dentry still in use in {1}",
             report=rx(r"BUG: Dentry .* still in use \([0-9]+\) \[(unmount) of ([^\]]+)\]"),
             alt=("BUG: Dentry still in use [{1} of {2}]",)),
        Rule(rx(r"BUG: Bad page (state|cache)"), "BUG: Bad page {1} in {2}",
             stack=Stack((rx(r"page last allocated"), PARSE),
                         skip=("(free|put|get|update|release)_page", "free_unref", "^_*folio", "truncate_inode_pages",
                               "page_frag_free", "alloc", "vmap", "page_owner"))),
        Rule(rx(r"BUG: Bad page map"), "BUG: Bad page map"),
        Rule(rx(r"BUG: workqueue lockup"), "BUG: workqueue lockup", no_stack=True),
        Rule(rx(r"BUG: sleeping function called from invalid context at (.*)"),
             "BUG: sleeping function called from invalid context in {2}", stack=in_trace()),
        Rule(rx(r"BUG: using ([a-z_]+)\(\) in preemptible"), "BUG: using {1}() in preemptible code in {2}",
             stack=in_trace("dump_stack", "preemption", "preempt", "debug_", "processor_id", "this_cpu")),
        Rule(rx(r"BUG: workqueue leaked lock or atomic"), "BUG: workqueue leaked lock or atomic in {1}",
             report=rx(r"BUG: workqueue leaked lock or atomic(?:.*\n)+?.*last function: ([a-zA-Z0-9_]+)\n"),
             no_stack=True),
        Rule(rx(r"BUG: memory leak"), "memory leak in {1}",
             stack=Stack((rx(r"backtrace(?: \(crc [0-9a-fA-F]*\))?:"), PARSE), skip=MEMLEAK_SKIP)),
        Rule(rx(r"BUG: .*stack guard page was hit at"), "BUG: stack guard page was hit in {1}",
             alt=("stack-overflow in {1}",), stack=at_rip(pick=stall_frame)),
        # arm reports this differently from x86; the title is the x86 one so both are one bug.
        Rule(rx(r"BUG: Invalid wait context"), "WARNING: locking bug in {1}",
             stack=in_trace("lock_sock", "release_sock")),
        Rule(rx(r"BUG:\s*(?:\n|$)"), "BUG: corrupted", corrupted=True, weak=True),
    ), ignores=tuple(rx(p) for p in ("ODEBUG:", "Boot_DEBUG:", "xlog_status:", "DEBUG:",
                                     "BUG: no syscalls can create resource"))),
    Header("WARNING:", (
        Rule(rx(r"WARNING: (?>.*?lib/debugobjects\.c)(?>.*? (?:debug_print|debug_check|at))"),
             "WARNING: ODEBUG bug in {1}",
             stack=warning_stack("debug_", "rcu", "hrtimer_", "timer_", "work_", "percpu_", "vunmap", "vfree",
                                 "__free_", "debug_check", "kobject_")),
        Rule(rx(r"WARNING: (?>.*?mm/usercopy\.c)(?>.*? (?:usercopy_warn|at))"), "WARNING: bad usercopy in {1}",
             stack=warning_stack("usercopy", "__check")),
        Rule(rx(r"WARNING: (?>.*?lib/kobject\.c)(?>.*? (?:kobject_|at))"), "WARNING: kobject bug in {1}",
             stack=warning_stack("kobject_")),
        Rule(rx(r"WARNING: (?>.*?fs/proc/generic\.c)(?>.*? (?:proc_register|at))"),
             "WARNING: proc registration bug in {1}",
             stack=warning_stack("proc_")),
        Rule(rx(r"WARNING: (?>.*?lib/refcount\.c)(?>.*? (?:refcount_|at))"), "WARNING: refcount bug in {1}",
             stack=warning_stack("refcount", "kobject_")),
        Rule(rx(r"WARNING: (?>.*?kernel/locking/lockdep\.c)(?>.*?lock_)"), "WARNING: locking bug in {1}",
             stack=warning_stack("lock_sock", "release_sock")),
        Rule(rx(r"WARNING: .*still has locks held!"), "WARNING: still has locks held in {1}",
             report=rx(r"WARNING: .*still has locks held!(?:.*\n)+?.*at: {{FUNC}}")),
        Rule(rx(r"WARNING: Nested lock was not taken"), "WARNING: nested lock was not taken in {1}",
             stack=warning_stack()),
        Rule(rx(r"WARNING: lock held when returning to user space"),
             "WARNING: lock held when returning to user space in {1}",
             report=rx(r"WARNING: lock held when returning to user space(?:.*\n)+?.*leaving the kernel with locks "
                       r"still held(?:.*\n)+?.*at: (?:{{PC}} +)?{{FUNC}}"), no_stack=True),
        Rule(rx(r"WARNING: (?>.*?mm/)(?>.*?\.c)(?>.*? k?.?malloc)"), "WARNING: kmalloc bug in {1}",
             stack=warning_stack("kmalloc", "krealloc", "slab", "kmem")),
        Rule(rx(r"WARNING: (?>.*?mm/vmalloc.c)(?>.*?__vmalloc_node)"), "WARNING: zero-size vmalloc in {1}",
             stack=warning_stack()),
        Rule(rx(r"WARNING: .* usb_submit_urb"), "WARNING in {1}/usb_submit_urb",
             stack=warning_stack("usb_submit_urb", "usb_start_wait_urb", "usb_bulk_msg", "usb_interrupt_msg",
                                 "usb_control_msg")),
        # The format of late 2025 kernels: "WARNING: fs/foo.c:12 at 0x0, CPU#0: comm/123".
        Rule(rx(r"WARNING: {{SRC}} at 0x\d+, CPU#\d+"), "WARNING in {2}", stack=warning_stack()),
        Rule(rx(r"WARNING: .* at {{SRC}} {{FUNC}}"), "WARNING in {3}", stack=warning_stack(), header_frame=2),
        Rule(rx(r"WARNING: {{SRC}} at {{FUNC}}"), "WARNING in {3}", stack=warning_stack(), header_frame=2),
        # A header run through decode_stacktrace.sh: "... at fs/foo.c:12 foo (fs/foo.c:12)".
        Rule(rx(r"WARNING: .* at {{SRC}} ([a-zA-Z0-9_]+) \("), "WARNING in {3}", stack=warning_stack(), header_frame=2),
        Rule(rx(r"WARNING: \[.*\] {{SRC}} at {{FUNC}}.*"), "WARNING in {3}", stack=warning_stack(), header_frame=2),
        # The 2.6/3.x format: "WARNING: at fs/foo.c:12 foo+0x1/0x2()" (or "foo()").
        Rule(rx(r"WARNING: at {{SRC}} ([a-zA-Z0-9_]+)(?:\+0x[0-9a-f]+/0x[0-9a-f]+)?(?:\.[\w.]+)?\(\)"),
             "WARNING in {3}", stack=warning_stack(), header_frame=2),
        Rule(rx(r"WARNING: possible circular locking dependency detected"), "possible deadlock in {1}",
             report=rx(r"WARNING: possible circular locking dependency detected(?:.*\n)+?.*is trying to acquire lock"),
             stack=Stack((rx(r"at: (?:{{PC}} +)?{{FUNC}}"), rx(r"at: (?:{{PC}} +)?{{FUNC}}"), PARSE),
                         skip=("process_one_work", "flush_workqueue", "drain_workqueue", "destroy_workqueue"))),
        Rule(rx(r"WARNING: possible irq lock inversion dependency detected"), "possible deadlock in {1}",
             report=rx(r"WARNING: possible irq lock inversion dependency detected(?:.*\n)+?.*just changed the state "
                       r"of lock" + LOCKDEP_AT)),
        Rule(rx(r"WARNING: (?>.*?-safe -> )(?>.*?-unsafe lock order detected)"), "possible deadlock in {1}",
             stack=Stack((rx(r"which became (?:.*) at:"), PARSE))),
        Rule(rx(r"WARNING: possible recursive locking detected"), "possible deadlock in {1}",
             report=rx(r"WARNING: possible recursive locking detected(?:.*\n)+?.*is trying to acquire lock" + LOCKDEP_AT)),
        Rule(rx(r"WARNING: inconsistent lock state"), "inconsistent lock state in {2}",
             report=rx(r"WARNING: inconsistent lock state(?:.*\n)+?.*takes" + LOCKDEP_AT), stack=in_trace()),
        Rule(rx(r"WARNING: suspicious RCU usage"), "WARNING: suspicious RCU usage in {2}",
             report=rx(r"WARNING: suspicious RCU usage(?:.*\n)+?.*?{{SRC}}"), stack=in_trace("rcu", "kmem", "slab")),
        Rule(rx(r"WARNING: kernel stack regs at [0-9a-f]+ in [^ ]* has bad '([^']+)' value"),
             "WARNING: kernel stack regs has bad '{1}' value", no_stack=True),
        Rule(rx(r"WARNING: kernel stack frame pointer at [0-9a-f]+ in [^ ]* has bad value"),
             "WARNING: kernel stack frame pointer has bad value", no_stack=True),
        Rule(rx(r"WARNING: bad unlock balance detected!"), "WARNING: bad unlock balance in {1}",
             stack=Stack((rx(r"{{PC}} +{{FUNC}}"), CALL_TRACE, PARSE))),
        Rule(rx(r"WARNING: held lock freed!"), "WARNING: held lock freed in {1}",
             report=rx(r"WARNING: held lock freed!(?:.*\n)+?.*at:(?: {{PC}})? +{{FUNC}}")),
        Rule(rx(r"WARNING: kernel stack regs .* has bad 'bp' value"), "WARNING: kernel stack regs has bad value",
             no_stack=True),
        Rule(rx(r"WARNING: kernel stack frame pointer .* has bad value"), "WARNING: kernel stack regs has bad value",
             no_stack=True),
        Rule(rx(r"WARNING:\s*(?:\n|$)"), "WARNING: corrupted", corrupted=True, weak=True),
    ), ignores=tuple(rx(p) for p in (
        "WARNING: /etc/ssh/moduli does not exist, using fixed modulus",
        "WARNING: workqueue cpumask: online intersect > possible intersect", "WARNING: [Tt]he mand mount option",
        r"WARNING: Unsupported flag value\(s\) of 0x%x in DT_FLAGS_1", "WARNING: Unprivileged eBPF is enabled with eIBRS",
        r"WARNING: fbcon: Driver '(.*)' missed to adjust virtual screen size",
        "WARNING: See https.* for mitigation options.", "WARNING: kernel not compiled with CPU_SRSO",
        r"EXT4-[Ff][Ss](?: \(.*\))?:", r"(?i)warning: .* uses (deprecated v2 capabilities|wireless extensions)",
        r"XFS \(\w+\): WARNING",
        # Build tools and checkers print "WARNING:" too: never a kernel report.
        r"WARNING: modpost:", r"depmod: WARNING:", r"^WARNING: [\w\-/.]+\.(?:c|h|S):\d+:"))),
    Header("INFO:", (
        Rule(rx(r"INFO: possible circular locking dependency detected"), "possible deadlock in {1}",
             report=rx(r"INFO: possible circular locking dependency detected \](?:.*\n)+?.*is trying to acquire lock"
                       r"(?:.*\n)+?.*at: {{PC}} +{{FUNC}}")),
        Rule(rx(r"INFO: possible irq lock inversion dependency detected"), "possible deadlock in {1}",
             report=rx(r"INFO: possible irq lock inversion dependency detected \](?:.*\n)+?.*just changed the state of "
                       r"lock(?:.*\n)+?.*at: {{PC}} +{{FUNC}}")),
        Rule(rx(r"INFO: SOFTIRQ-safe -> SOFTIRQ-unsafe lock order detected"), "possible deadlock in {1}",
             report=rx(r"INFO: SOFTIRQ-safe -> SOFTIRQ-unsafe lock order detected \](?:.*\n)+?.*is trying to acquire"
                       r"(?:.*\n)+?.*at: {{PC}} +{{FUNC}}")),
        Rule(rx(r"INFO: possible recursive locking detected"), "possible deadlock in {1}",
             report=rx(r"INFO: possible recursive locking detected \](?:.*\n)+?.*is trying to acquire lock(?:.*\n)+?"
                       r".*at: {{PC}} +{{FUNC}}")),
        Rule(rx(r"INFO: inconsistent lock state"), "inconsistent lock state in {1}",
             report=rx(r"INFO: inconsistent lock state \](?:.*\n)+?.*takes(?:.*\n)+?.*at: {{PC}} +{{FUNC}}")),
        Rule(rx(r"INFO: rcu_(?:preempt|sched|bh|tasks\w*) (?:self-)?detected(?: expedited)? stall"),
             "INFO: rcu detected stall in {1}", alt=("stall in {1}",),
             stack=Stack((rx("apic_timer_interrupt"), RIP_STEP, PARSE),
                         fallback=(rx("(?:apic_timer_interrupt|Exception stack|el1h_64_irq)"), PARSE),
                         skip=("apic_timer_interrupt", "rcu"), pick=stall_frame)),
        Rule(rx(r"INFO: trying to register non-static key"), "INFO: trying to register non-static key in {1}",
             stack=in_trace("stack", "lock", "IRQ")),
        Rule(rx(r"INFO: suspicious RCU usage"), "INFO: suspicious RCU usage in {2}",
             report=rx(r"INFO: suspicious RCU usage(?:.*\n)+?.*?{{SRC}}"), stack=in_trace("rcu", "kmem", "slab")),
        Rule(rx(r"INFO: task {{TASK}} blocked (?:in I/O wait )?for more than [0-9]+ seconds"), "INFO: task hung in {1}",
             alt=("hang in {1}",),
             stack=in_trace(pick=hang_frame, rename=hang_name)),
        Rule(rx(r"INFO: task {{TASK}} can't die for more than .* seconds"), "INFO: task can't die in {1}",
             alt=("hang in {1}",), stack=in_trace("schedule")),
        # What is left of an old-style KASAN report whose header was lost.
        Rule(rx(r"INFO: (Freed|Allocated) in (.*)"), "INFO: {1} in {2}", corrupted=True),
        Rule(rx(r"INFO:\s*(?:\n|$)"), "INFO: corrupted", corrupted=True, weak=True),
    ), ignores=tuple(rx(p) for p in (
        "INFO: lockdep is turned off", "INFO: Stall ended before state dump start", "INFO: NMI handler",
        "INFO: recovery required on readonly filesystem", "(handler|interrupt).*took too long",
        "INFO: sys_.* is not present in /proc/kallsyms", "INFO: no syscalls can create resource", "rmt_storage:INFO:",
        "_INFO:"))),
    Header("Unable to handle kernel", (
        Rule(rx(r"Unable to handle kernel (paging request|NULL pointer dereference|access to user memory)"),
             "BUG: unable to handle kernel {1} in {2}", alt=("bad-access in {2}",), stack=at_rip()),
        # s390: "Unable to handle kernel pointer dereference in virtual kernel address space".
        Rule(rx(r"Unable to handle kernel pointer dereference in virtual (?:kernel|user) address space"),
             "BUG: unable to handle kernel paging request in {1}", alt=("bad-access in {1}",), stack=at_rip()),
    )),
    Header("general protection fault", (
        Rule(rx(r"general protection fault.*:"), "general protection fault in {1}", alt=("bad-access in {1}",),
             stack=at_rip()),
    ), ignores=(rx(r"general protection fault .* error:\d+ in "),)),
    Header("stack segment: ", (
        Rule(rx(r"stack segment: "), "stack segment fault in {1}", stack=at_rip()),
    )),
    Header("Kernel panic", (
        Rule(rx(r"Kernel panic - not syncing: stack-protector:"), "kernel panic: stack is corrupted in {1}",
             report=rx(r"Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: {{FUNC}}"),
             no_stack=True),
        Rule(rx(r"Kernel panic - not syncing: stack-protector:"), "kernel panic: stack is corrupted in {1}",
             report=rx(r"Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: [a-f0-9]+"),
             stack=in_trace("stack_chk")),
        Rule(rx(r"Kernel panic - not syncing: corrupted stack end"), "kernel panic: corrupted stack end in {1}",
             report=rx(r"Kernel panic - not syncing: corrupted stack end detected inside scheduler"),
             alt=("stack-overflow in {1}",), stack=in_trace("schedule", "retint_kernel", pick=stall_frame)),
        Rule(rx(r"Kernel panic - not syncing: kernel stack overflow"), "kernel stack overflow in {1}",
             alt=("stack-overflow in {1}",), stack=in_trace("bad_stack", pick=stall_frame)),
        Rule(rx(r"Kernel panic - not syncing: Attempted to kill init!"), "kernel panic: Attempted to kill init!"),
        Rule(rx(r"Kernel panic - not syncing: Couldn't open N_TTY ldisc for [^ ]+ --- error -[0-9]+"),
             "kernel panic: Couldn't open N_TTY ldisc"),
        # Printed after a BUG: if it is the header, the real header was lost.
        Rule(rx(r"Kernel panic - not syncing: Fatal exception"), "kernel panic: Fatal exception", corrupted=True),
        Rule(rx(r"Kernel panic - not syncing: panic_on_warn set"), "kernel panic: panic_on_warn set", corrupted=True),
        Rule(rx(r"Kernel panic - not syncing: hung_task: blocked tasks"), "kernel panic: hung_task: blocked tasks",
             corrupted=True),
        Rule(rx(r"Kernel panic - not syncing: (.*)"), "kernel panic: {1}"),
    ), alone=True),
    Header("PANIC: double fault", (
        Rule(rx(r"PANIC: double fault"), "PANIC: double fault in {1}", stack=Stack((RIP_STEP,))),
    )),
    Header("rust_kernel: panicked", (
        Rule(rx(r"rust_kernel: panicked"), "{1} in {2}", report=rx(r"rust_kernel: panicked at [^\n]*?\n(.+?)\n"),
             stack=in_trace(re.escape("__rustc::rust_begin_unwind"))),
    )),
    Header("kernel BUG", (
        Rule(rx(r"kernel BUG at mm/usercopy.c"), "BUG: bad usercopy in {1}", stack=in_trace("usercopy", "__check")),
        Rule(rx(r"kernel BUG at lib/list_debug.c"), "BUG: corrupted list in {1}", alt=("bad-access in {1}",),
             stack=in_trace()),
        # Many skb helpers BUG_ON() what their caller got wrong.
        Rule(rx(r"kernel BUG at (.*)"), "kernel BUG in {2}", stack=at_rip("^skb_")),
        # powerpc: "kernel BUG in foo at mm/foo.c:12!"
        Rule(rx(r"kernel BUG in ([a-zA-Z0-9_]+) at "), "kernel BUG in {1}"),
    )),
    Header("Kernel BUG", (Rule(rx(r"Kernel BUG (.*)"), "kernel BUG {1}"),)),
    Header("BUG kmalloc-", (Rule(rx(r"BUG kmalloc-.*: Object already free"), "BUG: Object already free"),)),
    Header("divide error:", (Rule(rx(r"divide error: "), "divide error in {1}", stack=Stack((RIP_STEP,))),)),
    # A misspelling introduced in 9d06c4027f21 ("x86/entry: Convert Divide Error to IDTENTRY").
    Header("divide_error:", (Rule(rx(r"divide_error: "), "divide error in {1}", stack=Stack((RIP_STEP,))),)),
    Header("invalid opcode:", (Rule(rx(r"invalid opcode: "), "invalid opcode in {1}", stack=Stack((RIP_STEP,))),)),
    # x86 breakpoint trap in kernel mode: "Oops: int3: 0000 [#1] SMP KASAN NOPTI".
    Header("int3:", (Rule(rx(r"int3: "), "int3 in {1}", stack=at_rip()),)),
    Header("UBSAN:", (
        Rule(rx(r"UBSAN:"), "UBSAN: undefined-behaviour in {1}", report=rx(r"UBSAN: Undefined behaviour in"),
             stack=in_trace("ubsan", "overflow")),
        Rule(rx(r"UBSAN: array-index-out-of-bounds in"), "UBSAN: array-index-out-of-bounds in {1}",
             alt=("bad-access in {1}",), stack=in_trace("ubsan", "overflow")),
        Rule(rx(r"UBSAN:"), "UBSAN: {1} in {2}", report=rx(r"UBSAN: (.*?) in"), stack=in_trace("ubsan", "overflow")),
    )),
    # The decompressor's line in the middle of a log: the machine rebooted while fuzzing.
    Header("Booting the kernel.", (
        Rule(rx(r"^Booting the kernel"), "unexpected kernel reboot", no_stack=True, alone=True),
    ), ignores=(rx(r"Parsing ELF|Decompressing Linux|Unknown parameter '"),), bare_log_only=True),
    Header("unregister_netdevice: waiting for", (
        Rule(rx(r"unregister_netdevice: waiting for (?:.*) to become free"),
             "unregister_netdevice: waiting for DEV to become free", no_stack=True, alone=True),
    )),
    Header("VFS: Close: file count is 0", (
        Rule(rx(r"VFS: Close: file count is 0"), "VFS: Close: file count is zero (use-after-free)", no_stack=True, alone=True),
    )),
    Header("VFS: Busy inodes after unmount", (
        Rule(rx(r"VFS: Busy inodes after unmount"), "VFS: Busy inodes after unmount (use-after-free)", no_stack=True, alone=True),
    )),
    # arm64 shows some faults as "Internal error: synchronous external abort"; arm shows the same
    # crash as a paging request: the alt title joins them.
    Header("Internal error:", (
        Rule(rx(r"Internal error:"), "Internal error in {1}", alt=("bad-access in {1}",), stack=at_rip()),
    )),
    Header("Unhandled fault:", (
        Rule(rx(r"Unhandled fault:"), "Unhandled fault in {1}", alt=("bad-access in {1}",), stack=at_rip()),
    )),
    Header("Alignment trap:", (Rule(rx(r"Alignment trap:"), "Alignment trap in {1}", stack=at_rip()),)),
    Header("trusty: panic", (
        Rule(rx(r"trusty: panic.* ASSERT FAILED"), "trusty: ASSERT FAILED: {1}",
             report=rx(r"trusty: panic \(.*?\):(?: DEBUG)? ASSERT FAILED at \(.*?\): (.+)"), no_stack=True),
        Rule(rx(r"trusty: panic.* ASSERT FAILED.*: *(.*)"), "trusty: ASSERT FAILED: {1}", corrupted=True),
        Rule(rx(r"trusty: panic"), "trusty: panic: {1}", report=rx(r"trusty: panic \(.*?\): (.+)"), no_stack=True),
    )),
    # The Go runtime of syzkaller's own tools (and of gVisor's sentry).
    Header("fatal error:", (
        Rule(rx(r"fatal error:"), "go runtime error", no_stack=True, needs=GO_TRACEBACK),
    ), ignores=(rx(r"ALSA"), rx(r"fatal error: cannot create timer"))),
    Header("SYZFAIL:", (Rule(rx(r"SYZFAIL:(.*)"), "SYZFAIL:{1}", no_stack=True, alone=True),)),
    Header("SYZFATAL:", (Rule(rx(r"SYZFATAL:(.*)()"), "SYZFATAL:{1}", alt=("SYZFATAL{2}",), no_stack=True, alone=True),)),
    Header("panic:", (
        Rule(rx(r"panic: Sentry detected .* stuck task"), "panic: Sentry detected stuck tasks", no_stack=True,
             needs=GO_TRACEBACK),
        Rule(rx(r"panic:(.*)"), "panic:{1}", no_stack=True, needs=GO_TRACEBACK),
    ), ignores=(rx(r"_panic:"), rx(r"xlog_status:"), rx(r"ddb\.onpanic:"), rx(r"evtlog_status:"))),
    # --- Reports syzkaller does not title, common in mail ---------------------------------
    # kmemleak's own header (syzkaller prints "BUG: memory leak" before it).
    Header("unreferenced object 0x", (
        Rule(rx(r"unreferenced object 0x"), "memory leak in {1}",
             stack=Stack((rx(r"backtrace(?: \(crc [0-9a-fA-F]*\))?:"), PARSE), skip=MEMLEAK_SKIP)),
    ), mail_only=True),
    # x86 "NMI watchdog: Watchdog detected hard LOCKUP on cpu 1", powerpc "watchdog: CPU 784
    # self-detected hard LOCKUP @ plpar_hcall_norets_notrace+0x18/0x2c".
    Header("hard LOCKUP", (
        Rule(rx(r"(?:Watchdog detected|self-detected) hard LOCKUP"), "hard lockup in {1}", alt=("stall in {1}",),
             stack=at_rip()),
    ), anywhere=True, mail_only=True),
    # "Oops: 0000 [#1] SMP", "Oops: Kernel access of bad area, sig: 11 [#1]": usually a line of
    # a report opened by a BUG: line; on its own it is one.
    Header("Oops: ", (
        Rule(rx(r"Oops: (?:[\w ,:-]+ )?\[#\d+\]"), "Oops in {1}", alt=("bad-access in {1}",), stack=at_rip()),
    ), weak=True, mail_only=True),
    # A CPU caught spinning: an NMI backtrace, or a register dump with no header line.
    Header("NMI backtrace for cpu", (
        Rule(rx(r"NMI backtrace for cpu \d+"), "CPU spinning in {1}", alt=("stall in {1}",),
             stack=Stack((RIP_STEP,), skip=SPIN_SKIP, skip_generic=False)),
    ), weak=True, mail_only=True),
)

SPIN_HEADER = Header("CPU: ", (
    Rule(rx(r"CPU: \d+ (?:UID: \d+ )?PID: \d+"), "CPU spinning in {1}", alt=("stall in {1}",),
         stack=Stack((RIP_STEP,), skip=SPIN_SKIP, skip_generic=False)),
), weak=True, mail_only=True)

# Any header keyword (a line without one starts no report; a body without one holds none).
RE_HEADER_KEYWORD = re.compile("|".join(re.escape(h.keyword) for h in HEADERS + (SPIN_HEADER,)))

# Headers that are lines of an open report, not the start of a second one.
CONTINUATIONS = tuple(rx(p) for p in ("invalid opcode: 0000", "Kernel panic - not syncing",
                                      "unregister_netdevice: waiting for", "PANIC: double fault", "Internal error:",
                                      "int3: "))
# These print a stack but are not bugs; inside another report they end it.
INFO_WITH_STACK = ("vmalloc: allocation failure:", "FAULT_INJECTION: forcing a failure",
                   "FAULT_FLAG_ALLOW_RETRY missing")


@dataclass(frozen=True)
class Description:
    """What the rules make of a report: its title and the rest syzbot derives from it."""

    title: str
    alt_titles: tuple[str, ...]
    kind: str
    corrupted: bool
    rule: Rule | None
    guilty: str | None = None


def _fill(template: str, args: Sequence[str]) -> str:
    return re.sub(r"\{(\d+)\}", lambda m: args[int(m.group(1)) - 1] if int(m.group(1)) <= len(args) else "",
                  template)


def strip_syscall_prefix(frame: str) -> str:
    """The shortest name left after removing one syscall-entry prefix."""
    best = frame
    for prefix in SYSCALL_PREFIXES:
        if frame.startswith(prefix) and len(frame) - len(prefix) < len(best):
            best = frame[len(prefix):]
    return best


def _add_frames(frames: list[str], match: re.Match[str] | None, skip: re.Pattern[str] | None) -> None:
    if match is None:
        return
    for group in match.groups():
        if group is None:
            continue
        name = demangle(group)
        if skip is None or not skip.search(name):
            frames.append(name)


def _first_frame_match(line: str) -> re.Match[str] | None:
    for step in FRAME_STEPS:
        m = step.search(line)
        if m:
            return m
    return None


def _walk(lines: list[str], steps: tuple[re.Pattern[str], ...], skip: re.Pattern[str] | None,
          stack: Stack) -> tuple[list[tuple[str, str]], bool]:
    """Follow a stack recipe over the report lines; one (canonical, raw) guilty frame per
    stack read, ("corrupted", "corrupted") where none was found."""
    pos = 0
    raw: list[str] = []
    results: list[tuple[str, str]] = []
    ok = True
    stacks = 0
    index = 0
    while True:
        if index == len(steps) or (steps[index] is PARSE and stacks > 0):
            results.append(_pick(raw, stack) or ("corrupted", "corrupted"))
            if results[-1][0] == "corrupted":
                ok = False
            raw = []
        if index == len(steps):
            break
        step = steps[index]
        if step is PARSE:
            stacks += 1
            while pos < len(lines):
                line = lines[pos]
                pos += 1
                if any(c.search(line) for c in CORRUPTING_LINES):
                    ok = False
                    break
                if RE_STACK_START.search(line):
                    break
                if index != len(steps) - 1:
                    nxt = steps[index + 1].search(line)
                    if nxt:
                        _add_frames(raw, nxt, skip)
                        index += 1
                        break
                _add_frames(raw, _first_frame_match(line), skip)
        else:
            while pos < len(lines):
                line = lines[pos]
                pos += 1
                if any(c.search(line) for c in CORRUPTING_LINES):
                    ok = False
                    break
                m = step.search(line)
                if m:
                    _add_frames(raw, m, skip)
                    break
        index += 1
    return results, ok


def _pick(raw: list[str], stack: Stack) -> tuple[str, str] | None:
    if not raw:
        return None
    stripped = [strip_syscall_prefix(f) for f in raw]
    index = stack.pick(stripped)
    if index < 0:
        return None
    name = stripped[index]
    if stack.rename is not None:
        name = stack.rename(name)
    elif stack.pick is stall_frame and "smp_call_function" in raw[index]:
        name = "smp_call_function"
    return name, raw[index]


_SKIP_CACHE: dict[tuple[str, ...], re.Pattern[str]] = {}


def _skip_re(stack: Stack) -> re.Pattern[str] | None:
    patterns = (SKIP_ALWAYS if stack.skip_generic else ()) + stack.skip
    if not patterns:
        return None
    pattern = _SKIP_CACHE.get(patterns)
    if pattern is None:
        pattern = re.compile("|".join(patterns))
        _SKIP_CACHE[patterns] = pattern
    return pattern


def guilty_frames(stack: Stack, lines: list[str]) -> tuple[list[tuple[str, str]], bool]:
    skip = _skip_re(stack)
    frames, ok = _walk(lines, stack.steps, skip, stack)
    if ok or not stack.fallback:
        return frames, ok
    return _walk(lines, stack.fallback, skip, stack)


def header_of(line: str) -> tuple[Header, int] | None:
    """The header a line starts, and where its keyword is, or None."""
    if RE_HEADER_KEYWORD.search(line) is None:
        return None
    for header in HEADERS:
        pos = line.find(header.keyword)
        if pos < 0:
            continue
        if any(ignore.search(line) for ignore in header.ignores):
            continue
        return header, pos
    return None


def describe(lines: list[str], header: Header, written: bool = False) -> Description:
    """The title of a report whose first line carries `header`.

    Of the header's rules, the one whose pattern matches earliest in the report wins (the
    first listed on a tie); a rule with a `report` pattern must match that too, else the next
    rule matching at the same place is tried. No rule: the header line itself is the title.

    `written`: the report sits in mail a person wrote. A WARNING whose stack is missing is
    then named by the function its header line names, unless that is a helper the stack
    rules skip (the WARNING fired there for its caller, who is unknown): a writer who pastes
    the header alone names the crash by it. syzkaller, reading its own console logs, calls
    such a report corrupted; the report stays flagged corrupted here too."""
    text = "\n".join(lines)
    start = len(text) + 1
    best: tuple[Rule, list[str], list[tuple[str, str]], bool] | None = None
    matched_title = False
    for rule in header.rules:
        m = first_match(rule.pattern, text)
        if m is None or m.start() > start or (m.start() == start and best is not None):
            continue
        if m.start() < start:
            best = None
            start = m.start()
        matched_title = True
        args_match = m
        if rule.report is not None:
            args_match = first_match(rule.report, text)
            if args_match is None:
                continue
        args = [g or "" for g in args_match.groups()]
        frames: list[tuple[str, str]] = []
        ok = True
        if rule.stack is not None:
            first = text.count("\n", 0, args_match.start())
            frames, ok = guilty_frames(rule.stack, lines[first:])
        best = (rule, args, frames, ok)
    if best is None:
        pos = text.find(header.keyword)
        end = text.find("\n", pos)
        title = sanitize_title(text[pos:end if end >= 0 else len(text)])
        return Description(title, (), crash_type(title), matched_title, None)
    rule, args, frames, ok = best
    if (written and rule.header_frame is not None and rule.stack is not None and frames
            and frames[-1][0] == "corrupted" and args[rule.header_frame - 1]):
        named = demangle(args[rule.header_frame - 1])
        skip = _skip_re(rule.stack)
        if skip is None or not skip.search(named):
            frames = frames[:-1] + [(strip_syscall_prefix(named), named)]
    canonical = args + [f[0] for f in frames]
    title = _fill(rule.title, canonical)
    alts: list[str] = [_fill(a, canonical) for a in rule.alt]
    for variant in _raw_variants(args, frames):
        alt_title = _fill(rule.title, variant)
        if alt_title != title:
            alts.append(alt_title)
        alts.extend(_fill(a, variant) for a in rule.alt)
    if rule.header_frame is not None and frames and frames[-1][0] == "corrupted" and args[rule.header_frame - 1]:
        alts.append(_fill(rule.title, args + [args[rule.header_frame - 1]]))
    title = sanitize_title(title)
    alt_titles = tuple(dict.fromkeys(a for a in (sanitize_title(a) for a in alts) if a != title))
    corrupted = rule.corrupted or not ok or _looks_corrupted(title, lines, rule)
    guilty = frames[0][0] if frames else None
    return Description(title, alt_titles, crash_type(title), corrupted, rule, guilty)


def _raw_variants(args: list[str], frames: list[tuple[str, str]]) -> list[list[str]]:
    """Argument lists with the raw frame names and each one-prefix strip of them."""
    out = []
    for prefix in ("",) + SYSCALL_PREFIXES:
        names = [raw[len(prefix):] if prefix and raw.startswith(prefix) else raw for _, raw in frames]
        if prefix and not any(raw.startswith(prefix) for _, raw in frames):
            continue
        out.append(args + names)
    return out


RE_TIMESTAMP_IN_TITLE = re.compile(r"\[ *[0-9]+\.[0-9]+\]")


def _looks_corrupted(title: str, lines: list[str], rule: Rule) -> bool:
    """A report whose title caught a timestamp, or whose stack trace is missing or cut: every
    stack heading must have a frame within the next 15 lines."""
    if RE_TIMESTAMP_IN_TITLE.search(title):
        return True
    if rule.no_stack:
        return False
    has_trace = False
    for key in STACK_STARTS:
        index = next((i for i, line in enumerate(lines) if key.search(line)), None)
        if index is None:
            continue
        if len(lines) - index < 4:
            return True
        found = False
        for line in lines[index + 1:index + 16]:
            if RE_STACK_START.search(line):
                break
            if "(stack is not available)" in line or _first_frame_match(line):
                found = True
                break
        if not found and key is not RISCV_STACK_START:
            return True
        has_trace = has_trace or found
    return not has_trace


# --- Title clean-up (numbers and addresses vary from run to run) -----------------------------

def _drop_offset(m: re.Match[str]) -> str:
    """"func+0x1c/0x30" -> "func", when the name has a letter with a character after it (the
    match starts at the name's first character, so the rule is checked here, not by
    backtracking into the name)."""
    name = m.group(1)
    if any(c.isalpha() for c in name[:-1]):
        return name
    return m.group(0)


TITLE_REPLACEMENTS = (
    (re.compile(r"syz-executor\.?[0-9]+((/|:)[0-9]+)?"), "syz-executor"),
    (re.compile(r"syzkaller[0-9]+((/|:)[0-9]+)?"), "syzkaller"),
    (re.compile(r"([^a-zA-Z0-9])(?:0x)?[0-9a-f]{6,}"), r"\1ADDR"),
    (re.compile(r"([0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3})"), "IP"),
    (re.compile(r"(\.\w+)(:[0-9]+)+"), r"\1:LINE"),
    (re.compile(r"(?<![a-zA-Z0-9_.])([a-zA-Z0-9_.]++)\+0x[0-9a-z]++/0x[0-9a-z]++"), _drop_offset),
    (re.compile(r"CPU#[0-9]+"), "CPU"),
    (re.compile(r"(\W)(\d+)(\W|$)"), r"\1NUM\3"),
    (re.compile(r"\d{7,}"), "NUM"),
)
MAX_TITLE = 120


def sanitize_title(title: str) -> str:
    """Numbers, addresses and line numbers replaced, control characters dropped, spaces
    collapsed, at most 120 characters (as syzbot keeps titles stable across runs)."""
    # A corrupted header can be a whole console log on one line: the replacements below are
    # not linear in its length, and nothing past the first few hundred characters stays.
    title = title[:MAX_TITLE * 8]
    for pattern, repl in TITLE_REPLACEMENTS:
        while True:
            new = pattern.sub(repl, title)
            if new == title:
                break
            title = new
    out = []
    prev = " "
    for ch in title[:MAX_TITLE]:
        if ch == "\t":
            ch = " "
        elif ord(ch) < 0x20 or ord(ch) >= 0x7f:
            continue
        if ch == " " and prev == " ":
            continue
        out.append(ch)
        prev = ch
    return "".join(out).strip()


# --- The crash type syzbot derives from a title -----------------------------------------------

TITLE_TYPES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("KFENCE-USE-AFTER-FREE-WRITE", ("KFENCE: use-after-free write",)),
    ("KFENCE-USE-AFTER-FREE-READ", ("KFENCE: use-after-free read", "KFENCE: use-after-free")),
    ("KFENCE-WRITE", ("KFENCE: invalid write", "KFENCE: out-of-bounds write")),
    ("KFENCE-READ", ("KFENCE: invalid read", "KFENCE: out-of-bounds read", "KFENCE: out-of-bounds")),
    ("KFENCE-MEMORY-CORRUPTION", ("KFENCE: memory corruption",)),
    ("KFENCE-INVALID-FREE", ("KFENCE: invalid free",)),
    ("KMSAN-UNINIT-VALUE", ("KMSAN: uninit-value",)),
    ("KMSAN-USE-AFTER-FREE-READ", ("KMSAN: kernel-infoleak-after-free", "KMSAN: kernel-usb-infoleak-after-free",
                                   "KMSAN: use-after-free")),
    ("KMSAN-INFO-LEAK", ("KMSAN: kernel-infoleak", "KMSAN: kernel-usb-infoleak")),
    ("KASAN-NULL-POINTER-DEREFERENCE-WRITE", ("KASAN: null-ptr-deref Write",)),
    ("KASAN-NULL-POINTER-DEREFERENCE-READ", ("KASAN: null-ptr-deref Read",)),
    ("NULL-POINTER-DEREFERENCE", ("BUG: unable to handle kernel NULL pointer dereference in",)),
    ("KASAN-WRITE", ("KASAN: global-out-of-bounds Write", "KASAN: out-of-bounds Write",
                     "KASAN: slab-out-of-bounds Write", "KASAN: stack-out-of-bounds Write",
                     "KASAN: user-memory-access Write", "KASAN: vmalloc-out-of-bounds Write",
                     "KASAN: wild-memory-access Write")),
    ("KASAN-READ", ("KASAN: global-out-of-bounds Read", "KASAN: invalid-access Read", "KASAN: out-of-bounds Read",
                    "KASAN: slab-out-of-bounds Read", "KASAN: slab-out-of-bounds", "KASAN: stack-out-of-bounds Read",
                    "KASAN: stack-out-of-bounds", "KASAN: unknown-crash Read", "KASAN: user-memory-access Read",
                    "KASAN: vmalloc-out-of-bounds Read", "KASAN: wild-memory-access Read",
                    "KASAN: wild-memory-access")),
    ("KASAN-INVALID-FREE", ("KASAN: double-free or invalid-free", "KASAN: invalid-free")),
    ("KASAN-USE-AFTER-FREE-WRITE", ("KASAN: slab-use-after-free Write", "KASAN: use-after-free Write")),
    ("KASAN-USE-AFTER-FREE-READ", ("KASAN: slab-use-after-free Read", "KASAN: use-after-free Read",
                                   "KASAN: use-after-free")),
    ("MEMORY_SAFETY_BUG", ("BUG: corrupted list", "BUG: unable to handle kernel paging request")),
    ("REFCOUNT_WARNING", ("WARNING: refcount bug",)),
    ("MEMORY_SAFETY_UBSAN", ("UBSAN: array-index-out-of-bounds",)),
    ("KCSAN-DATARACE", ("KCSAN: data-race",)),
    ("KCSAN-ASSERT", ("KCSAN: assert: race in",)),
    ("LOCKDEP", ("BUG: bad unlock balance in", "BUG: held lock freed in", "BUG: rwlock", "BUG: spinlock",
                 "BUG: still has locks held in", "BUG: using", "WARNING: bad unlock balance in",
                 "WARNING: held lock freed in", "WARNING: lock held", "WARNING: locking bug in",
                 "WARNING: nested lock was not taken in", "WARNING: still has locks held in",
                 "WARNING: suspicious RCU usage in", "inconsistent lock state in", "possible deadlock in")),
    ("ATOMIC_SLEEP", ("BUG: scheduling while atomic in", "BUG: sleeping function called from invalid context in")),
    ("LEAK", ("memory leak in",)),
    ("BUG", ("BUG: bad usercopy in", "kernel BUG")),
    ("WARNING", ("WARNING in",)),
    ("UNKNOWN", ("BUG: stack guard page was hit in", "WARNING: corrupted",
                 "WARNING: kernel stack frame pointer has bad value", "WARNING: kernel stack regs has bad")),
    ("HANG", ("BUG: soft lockup in", "INFO: rcu detected stall in", "INFO: task can't die in", "INFO: task hung in",
              "hard lockup in", "CPU spinning in")),
    ("DoS", ("Alignment trap in", "BUG: Object already free", "Internal error in", "PANIC: double fault",
             "Unhandled fault in", "VFS: Busy inodes after unmount (use-after-free)",
             "VFS: Close: file count is zero (use-after-free)", "divide error in", "general protection fault in",
             "go runtime error", "invalid opcode in", "kernel panic:", "kernel stack overflow", "panic:",
             "rust_kernel panicked", "stack segment fault in", "trusty:", "int3 in", "Oops in",
             "unregister_netdevice: waiting for DEV to become free")),
    ("NO_OUTPUT", ("no output from test machine",)),
    ("REBOOT", ("unexpected kernel reboot",)),
    ("SYZ_FAILURE", ("SYZFAIL", "SYZFATAL:")),
    ("WARNING", ("WARNING:",)),
    ("UNKNOWN", ("BUG:", "INFO:")),
    ("KASAN-UNKNOWN", ("KASAN:",)),
    ("KFENCE-UNKNOWN", ("KFENCE:",)),
    ("KMSAN-UNKNOWN", ("KMSAN:",)),
    ("UBSAN", ("UBSAN:",)),
    ("KCSAN-UNKNOWN", ("KCSAN:",)),
)


def crash_type(title: str) -> str:
    """syzbot's crash type for a title (HANG, WARNING, KASAN-READ, LOCKDEP, DoS, ...)."""
    for kind, prefixes in TITLE_TYPES:
        if title.startswith(prefixes):
            return kind
    return "UNKNOWN"


def title_key(title: str) -> str:
    """A short stable id for a title (the signature's name)."""
    return hashlib.sha1(title.encode("utf-8")).hexdigest()[:12]
