class OrderRuleError(Exception):
    """An action on an order was refused; the message tells the person what to do."""


class StaleOrderError(OrderRuleError):
    """The order changed after the page acting on it was opened."""

    def __init__(self, message: str = "") -> None:
        super().__init__(
            message
            or "This order changed since you opened it. Reload it to see the changes, "
            "then try again."
        )


class GatewayTimeout(Exception):
    """The payment gateway did not answer in time; the call may be retried."""


class OrderPermissionError(OrderRuleError):
    """The person's role does not allow this action."""


class OrderInputError(OrderRuleError):
    """Order data was incomplete or invalid; errors are keyed by field name."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        super().__init__(
            "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in errors.items())
        )


class OrderTooLargeError(OrderInputError):
    """The lines would total more than an order can hold; said of the lines."""

    def __init__(self, message: str) -> None:
        super().__init__({"lines": [message]})
        self.args = (message,)  # shown as it is where only a message fits
