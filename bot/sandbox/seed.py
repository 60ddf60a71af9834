"""The world a new sandbox starts with: seven users (two moderators), one subreddit and five
posts, two of them getting-started questions; ids in base 36 as Reddit's are."""

from __future__ import annotations

import time
from typing import Any

SEED_USERS = (
    ("wikibot", True),
    ("alice_mod", True),
    ("curious_student", False),
    ("backend_ben", False),
    ("phd_hopeful", False),
    ("weekend_tinkerer", False),
    ("gpu_gary", False),
)

SEED_POSTS = (
    (
        "curious_student",
        "I'm 16 and want to get into machine learning. Where do I start?",
        "I'm in high school and I love maths. What should I study now, and which degree should I "
        "aim for at university if I want to work in ML one day?",
        None,
    ),
    (
        "backend_ben",
        "Backend developer (5 years of Java) looking to move into ML engineering",
        "I build services for a living. What should I learn to switch careers into an ML engineer "
        "role? Any roadmap you would recommend?",
        None,
    ),
    (
        "gpu_gary",
        "Loss becomes NaN after a few epochs with Adam in PyTorch",
        "My training loss explodes to NaN after epoch 3. Learning rate is 1e-3, batch size 64. "
        "I already tried gradient clipping. What else can cause this?",
        "Question",
    ),
    (
        "weekend_tinkerer",
        "I built a bird-song classifier with a Raspberry Pi [project]",
        "Sharing my weekend project: a small CNN on spectrograms, code on GitHub. "
        "Feedback welcome!",
        "Project",
    ),
    (
        "alice_mod",
        "Weekly thread: what are you learning this week?",
        "Share what you are studying and help each other out.",
        None,
    ),
)


def base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while number:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
    return out or "0"


def new_user(name: str, *, is_mod: bool, index: int) -> dict[str, Any]:
    return {
        "name": name,
        "id": base36(0x10000 + index),
        "is_mod": is_mod,
        "created_utc": 1_500_000_000.0 + index,
    }


def seed_world(subreddit: str) -> dict[str, Any]:
    users = {
        name: new_user(name, is_mod=is_mod, index=i) for i, (name, is_mod) in enumerate(SEED_USERS)
    }
    data: dict[str, Any] = {
        "subreddit": {
            "name": subreddit,
            "fullname": "t5_2r3gv",
            "moderators": [n for n, m in SEED_USERS if m],
        },
        "users": users,
        "wiki": {},
        "wiki_log": [],
        "posts": [],
        "comments": [],
        "modmail": [],
        "reports": [],
        "read": [],
        "counters": {"post": 36**5, "comment": 36**6},
    }
    now = time.time()
    for age, (author, title, body, flair) in zip(
        range(len(SEED_POSTS), 0, -1), SEED_POSTS, strict=True
    ):
        post_id = base36(data["counters"]["post"] + 1)
        data["counters"]["post"] += 1
        data["posts"].append(
            {
                "id": post_id,
                "author": author,
                "title": title,
                "selftext": body,
                "flair": flair,
                "created_utc": round(now - age * 600, 3),
                "distinguished": "moderator" if users[author]["is_mod"] else None,
            }
        )
    return data
