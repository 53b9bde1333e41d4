"""Print one whole thread as text for reading: every message (tree order) with its
Message-ID, author, UTC date, subject, parent and full body.

usage: dump_thread.py MESSAGE-ID   (any message of the thread)
"""

import sys

from epoch import iso, load

msgs, root_of, threads = load()
mid = sys.argv[1].strip("<>")
root = root_of.get(mid, mid)
for n, (key, depth) in enumerate(threads[root]):
    if key.startswith("GHOST:"):
        print(f"\n##### [{n}] depth {depth} GHOST {key[6:]}")
        continue
    m = msgs[key]
    print(f"\n##### [{n}] depth {depth} <{m.message_id}>")
    print(f"From: {m.author.name} <{m.author.email}>\nDate: {iso(m.date)}\nSubject: {m.subject}")
    print(f"In-Reply-To: {m.in_reply_to}")
    print("-" * 60)
    print(m.body)
    for a in m.attachments:
        print(f"[attachment {a.filename} {a.content_type}]\n{a.text}")
