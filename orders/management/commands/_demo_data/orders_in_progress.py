"""Orders on their way: received, verified, confirmed, being fulfilled, dispatched."""

from orders.models import Communication, Order, OrderException

from .specs import Contact, DemoOrder

S = Order.Status
X = OrderException.Kind
CH = Communication.Channel

IN_PROGRESS = (
    DemoOrder(  # padded envelopes out with no date: the customer takes C4 instead
        "baxter",
        (("ENV-0404", 2), ("PAP-0001", 5)),
        S.CONFIRMED,
        received=(2, "11:40"),
        problems=(X.OUT_OF_STOCK,),
        contacts=(
            Contact(
                CH.PHONE,
                "Rang Chloe: the size D padded envelopes are out of stock with no "
                "date. She is happy to have the C4 board-backed envelopes (ENV-0402) "
                "at £24.99 a box instead.",
            ),
        ),
        action="substitute",
        substitute="ENV-0402",
    ),
    DemoOrder(  # 3 of 5 toner sets in stock: the 3 go now, the other 2 on restock
        "khan",
        (("INK-0502", 5),),
        S.FULFILLING,
        received=(2, "09:05"),
        problems=(X.OUT_OF_STOCK,),
        contacts=(
            Contact(
                CH.PHONE,
                "Rang Imran: we have 3 of the 5 colour toner sets now and the rest "
                "on {restock}. He wants the 3 straight away and the 2 when they come.",
            ),
        ),
        action="partial",
        partial=((1, 3),),
    ),
    DemoOrder(  # confirmed, then the customer asks for more pens: amended
        "cole",
        (("PAP-0001", 10), ("PEN-0101", 2)),
        S.CONFIRMED,
        received=(1, "14:10"),
        amend=((2, 4),),
        amend_contact=Contact(
            CH.PHONE,
            "Jasmine rang: could we make it 4 boxes of black pens, not 2? Told her "
            "the new total and that we would send a fresh confirmation.",
            direction=Communication.Direction.INBOUND,
            purpose=Communication.Purpose.QUERY,
        ),
    ),
    DemoOrder(
        "fraser",
        (("BKS-0804", 2), ("WEL-0901", 3), ("PAP-0001", 10)),
        S.DISPATCHED,
        received=(3, "09:10"),
        carrier="Parcelforce",
        requested_in_days=5,
    ),
    DemoOrder(  # the drum units are out of stock: backordered with the customer's OK
        "northgate",
        (("INK-0504", 2), ("PAP-0001", 10)),
        S.CONFIRMED,
        received=(3, "16:20"),
        po="NGL-1042",
        problems=(X.OUT_OF_STOCK,),
        steps=("Checked with purchasing: the drum units are due in on {restock}.",),
        contacts=(
            Contact(
                CH.PHONE,
                "Rang Tom: the drum units are out of stock until {restock}. He is "
                "happy to wait and have the whole order delivered together.",
            ),
        ),
        action="backorder",
        resolution="Drum units backordered until {restock}; the customer agreed.",
    ),
    DemoOrder(  # a discontinued line, dropped at the customer's request
        "wood",
        (("PAP-0004", 3), ("PEN-0104", 10), ("FIL-0207", 5), ("DSK-0305", 2)),
        S.DISPATCHED,
        received=(2, "10:20"),
        channel=Order.Channel.WEB,
        problems=(X.UNKNOWN_PRODUCT, X.OUT_OF_STOCK),
        steps=(
            "FIL-0207 (10-part dividers) was discontinued last month and none are "
            "left; the 20-part set is not a like-for-like replacement.",
        ),
        contacts=(
            Contact(
                CH.PHONE,
                "Rang Sarah: explained the dividers are no longer sold. She asked us "
                "to drop that line and send the rest of the order.",
            ),
        ),
        action="cancel_line",
        action_reason="Discontinued; the customer asked us to drop the line.",
        resolution=(
            "Line for FIL-0207 cancelled at the customer's request; the rest of the "
            "order goes ahead."
        ),
    ),
    DemoOrder(
        "lloyd",
        (("ENV-0403", 2), ("PAP-0001", 10), ("INK-0501", 1)),
        S.DISPATCHED,
        received=(2, "15:40"),
        po="LEA-0310",
        carrier="DPD",
    ),
    DemoOrder(  # part shipped: the rest of the pens follow on the next run
        "hughes",
        (("PAP-0001", 10), ("PEN-0103", 24), ("DSK-0302", 2)),
        S.FULFILLING,
        received=(2, "09:30"),
        channel=Order.Channel.PHONE,
        partial=((1, 10), (2, 12), (3, 2)),
        carrier="Our own van",
    ),
    DemoOrder(  # same lines as a fortnight ago: a genuine repeat order
        "campbell",
        (("ENV-0401", 2), ("ENV-0403", 1), ("PAP-0001", 10)),
        S.FULFILLING,
        received=(2, "11:00"),
        problems=(X.DUPLICATE,),
        steps=("Same three lines as the surgery's order of 13 days ago.",),
        contacts=(
            Contact(
                CH.PHONE,
                "Rang Fiona: this is their regular restock, not a duplicate. Please "
                "send it.",
            ),
        ),
        resolution="Not a duplicate: the customer confirmed a regular repeat order.",
    ),
    DemoOrder(  # the quoted price is honoured with the supervisor's approval
        "hartley",
        (("PAP-0002", 5, "8.75"), ("PEN-0101", 3), ("DSK-0303", 1)),
        S.CONFIRMED,
        received=(1, "09:45"),
        po="HW-4502",
        requested_in_days=6,
        problems=(X.PRICE_MISMATCH,),
        steps=(
            "Found quote Q-20417, sent last month, agreeing £8.75 a ream for A3 "
            "paper for 12 months.",
            "Supervisor approved honouring the quoted price.",
        ),
        contacts=(
            Contact(
                CH.PHONE,
                "Rang Priya to confirm we will charge the quoted £8.75 a ream.",
            ),
        ),
        action="approve_price",
        resolution="Quoted price (Q-20417) honoured, approved by the supervisor.",
        resolved_by="supervisor",
    ),
    DemoOrder(
        "shah",
        (("PAP-0001", 5), ("PEN-0105", 3), ("FIL-0205", 10)),
        S.FULFILLING,
        received=(1, "10:15"),
        channel=Order.Channel.WEB,
    ),
    DemoOrder(
        "brennan",
        (("DSK-0308", 1), ("PEN-0106", 5)),
        S.CONFIRMED,
        received=(1, "11:20"),
        channel=Order.Channel.PHONE,
    ),
    DemoOrder(
        "davies",
        (("CLN-0703", 4), ("CLN-0701", 4), ("CAT-0601", 1)),
        S.CONFIRMED,
        received=(1, "14:30"),
    ),
    DemoOrder(
        "okafor",
        (("PAP-0002", 10), ("INK-0503", 4)),
        S.VERIFIED,
        received=(1, "12:40"),
        po="OA-3310",
    ),
    DemoOrder(
        "oakfield",
        (("PEN-0104", 20), ("PAP-0004", 2), ("DSK-0306", 20)),
        S.VERIFIED,
        received=(1, "15:00"),
        channel=Order.Channel.WEB,
        po="OPS-0978",
    ),
    DemoOrder(
        "nguyen",
        (("CAT-0608", 20), ("CLN-0702", 1)),
        S.VERIFIED,
        received=(1, "17:10"),
        channel=Order.Channel.WEB,
    ),
    DemoOrder(
        "cole",
        (("PAP-0001", 5), ("FIL-0204", 2)),
        S.VERIFIED,
        received=(1, "18:30"),
        channel=Order.Channel.WEB,
        card="3782 822463 10005",
    ),
    DemoOrder(
        "fraser",
        (("PAP-0001", 10), ("CAT-0609", 2)),
        S.RECEIVED,
        minutes_ago=25,
    ),
    DemoOrder(
        "lloyd",
        (("ENV-0401", 1), ("PEN-0101", 2)),
        S.RECEIVED,
        minutes_ago=8,
        channel=Order.Channel.WEB,
    ),
)
