"""wikibot's benchmark, one module per thing it measures; ``bench/run.py`` runs them all."""
