class InventoryError(Exception):
    """A stock change was refused; the message says why, for a person to act on."""
