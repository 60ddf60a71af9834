"""Allow ``python -m bot``."""

from bot.entry import main

main()
