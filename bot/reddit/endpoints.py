"""The API paths the gateway reads itself (like praw's ``endpoints.py``) and the page sizes
of those reads; writes go through PRAW's models, which know their own paths."""

from __future__ import annotations

ENDPOINTS = {
    "wiki_pages": "r/{subreddit}/wiki/pages/",
    "wiki_page": "r/{subreddit}/wiki/{page}",
    "wiki_revisions": "r/{subreddit}/wiki/revisions/",
    "wiki_page_revisions": "r/{subreddit}/wiki/revisions/{page}",
    "new": "r/{subreddit}/new",
    "comments": "comments/{post_id}",
    "user_comments": "user/{user}/comments",
    "inbox_comments": "message/comments",
    "moderators": "r/{subreddit}/about/moderators",
    "subreddit_comments": "r/{subreddit}/comments",
    "info": "api/info",
}
COMMENTS_PER_READ = 500  # the most Reddit returns for one thread read
MAX_LISTING_PAGES = 10  # pages of 100 read back to a cursor (a flood of 1,000 items)
