"""Orders held by an open exception: one or more of each kind a person must resolve."""

from orders.models import Communication, Order, OrderException

from .specs import DECLINED_CARD, Contact, DemoOrder

S = Order.Status
X = OrderException.Kind
CH = Communication.Channel
OUT = Communication.Outcome

ON_HOLD = (
    DemoOrder(
        "castle",
        (("PAP-0001", 100), ("ENV-0403", 4)),
        S.ON_HOLD,
        received=(3, "10:50"),
        po="CPC-5520",
        problems=(X.CREDIT_LIMIT,),
        steps=(
            "The accounts team stopped this account: two invoices are over 60 days. "
            "Asked accounts whether this order can be released.",
        ),
    ),
    DemoOrder(
        "morris",
        (("ENV-0404", 2), ("ENV-0405", 4)),
        S.ON_HOLD,
        received=(2, "09:00"),
        channel=Order.Channel.PHONE,
        problems=(X.OUT_OF_STOCK,),
        steps=(
            "The supplier cannot give a date for size D padded envelopes. Asked "
            "purchasing to find another supplier before we ring the customer.",
        ),
    ),
    DemoOrder(  # the postcode on the order form is incomplete
        "walsh",
        (("ENV-0401", 1), ("PEN-0106", 2)),
        S.ON_HOLD,
        received=(2, "10:30"),
        channel=Order.Channel.POST,
        delivery=("St Brendan's Parish Office\nChurch Lane\nLiverpool", "L17 8U"),
        problems=(X.INVALID_ADDRESS,),
        steps=(
            "The postcode on the order form is incomplete. Preparing a large-print "
            "letter asking the customer to confirm the delivery address.",
        ),
    ),
    DemoOrder(  # checks passed, then the delivery could not be made
        "marsh",
        (("CAT-0607", 30), ("CAT-0601", 2)),
        S.ON_HOLD,
        received=(2, "08:40"),
        po="MHCC-1203",
        raise_at=S.FULFILLING,
        raised=(
            X.OTHER,
            "The goods entrance at Marsh Hall is closed for building works; the "
            "driver cannot deliver until the customer gives another drop-off point.",
        ),
        contacts=(
            Contact(
                CH.PHONE,
                "Rang Oliver and left a voicemail asking for another delivery point "
                "and a contact on site.",
                OUT.VOICEMAIL,
            ),
        ),
    ),
    DemoOrder(
        "patel",
        (("PEN-0110", 5), ("PAP-0001", 5)),
        S.ON_HOLD,
        received=(2, "13:30"),
        problems=(X.UNKNOWN_PRODUCT,),
    ),
    DemoOrder(  # out of stock, not yet worked on
        "kowalska",
        (("CAT-0602", 4), ("CAT-0601", 1)),
        S.ON_HOLD,
        received=(1, "10:30"),
        channel=Order.Channel.PHONE,
        card="5555 5555 5555 4444",
        problems=(X.OUT_OF_STOCK,),
    ),
    DemoOrder(  # 25 files in a pack of 10
        "adeyemi",
        (("FIL-0201", 25),),
        S.ON_HOLD,
        received=(1, "09:30"),
        po="RMC-22904",
        problems=(X.QUANTITY,),
    ),
    DemoOrder(  # an old price list
        "ogrady",
        (("INK-0501", 2, "79.00"),),
        S.ON_HOLD,
        received=(1, "10:10"),
        po="OGA-7790",
        problems=(X.PRICE_MISMATCH,),
        steps=(
            "The order gives £79.00 a cartridge, last year's price; the price list "
            "says £89.00.",
        ),
    ),
    DemoOrder(  # over a £250 credit limit
        "fenwick",
        (("CAT-0601", 6), ("CAT-0605", 20), ("CAT-0609", 6)),
        S.ON_HOLD,
        received=(1, "11:45"),
        channel=Order.Channel.PHONE,
        problems=(X.CREDIT_LIMIT,),
        steps=("Asked the accounts team whether the café's £250 limit can be raised.",),
    ),
    DemoOrder(
        "reid",
        (("PAP-0006", 24), ("PEN-0103", 12)),
        S.ON_HOLD,
        received=(1, "13:00"),
        channel=Order.Channel.WEB,
        problems=(X.MISSING_CONTACT,),
    ),
    DemoOrder(
        "baxter",
        (("DSK-0309", 2), ("PAP-0001", 5)),
        S.ON_HOLD,
        received=(1, "16:00"),
        channel=Order.Channel.WEB,
        card=DECLINED_CARD,
        problems=(X.PAYMENT_DECLINED,),
    ),
    DemoOrder(  # e-mailed twice by mistake
        "okafor",
        (("PAP-0002", 10), ("INK-0503", 4)),
        S.ON_HOLD,
        minutes_ago=95,
        po="OA-3310",
        problems=(X.DUPLICATE,),
    ),
)
