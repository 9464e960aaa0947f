"""bench/pages.py seeds its tables column by column: it must keep up with the models."""

import random

from bench.pages import Seeder


def test_the_page_seeder_fills_every_column_the_models_require():
    # A NOT NULL column with no default that the seeder does not fill stops it with
    # "out of date with the model" (SystemExit); one with a default is filled with it.
    seeder = Seeder(10, random.Random(1))
    orders = seeder.orders
    assert "revision" in orders.columns  # added after the seeder, filled by default
    row_id = orders.add(*range(len(orders.columns) - 1 - len(orders.defaults)))
    assert len(orders.rows[-1]) == len(orders.columns)
    assert row_id == 1
