class RevisionError(Exception):
    """A refused revision action; the message tells the learner what to do."""


class PlanDayNotYetError(RevisionError):
    """A plan day ticked off before its date; `day` is the day refused."""

    def __init__(self, message: str, *, day: int):
        super().__init__(message)
        self.day = day


class ContentFileError(Exception):
    """The revision data file is wrong; the message names the item and the fault."""
