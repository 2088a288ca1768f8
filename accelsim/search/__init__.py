"""The per-layer mapping search: candidates from ``mapping.space``, timed exactly by ``sim``,
priced with per-action joules the runner hands in (this package never imports ``cost``)."""

from accelsim.search.layer import Prices, Score, Searched, search_layer
from accelsim.search.run import SearchedRun, search_run

__all__ = ["Prices", "Score", "Searched", "SearchedRun", "search_layer", "search_run"]
