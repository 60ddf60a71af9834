"""What the daemon, ``replies scan`` and ``replies test`` run: read a post, decide, reply.

Imports nothing of ``bot/learning/`` (a test walks the imports); what both name is in
``terms.py``.
"""
