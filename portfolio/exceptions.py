class PortfolioError(Exception):
    """A refused portfolio action; the message tells the person what to do."""


class ExportInvalid(Exception):
    """An uploaded export cannot be read as a portfolio export."""
