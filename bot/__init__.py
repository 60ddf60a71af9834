"""wikibot: sync a subreddit's wiki with Markdown files and answer getting-started posts."""

__version__ = "0.1.0"
