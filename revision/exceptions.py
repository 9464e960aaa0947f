class RevisionError(Exception):
    """A refused revision action; the message tells the learner what to do."""


class ContentFileError(Exception):
    """The revision data file is wrong; the message names the item and the fault."""
