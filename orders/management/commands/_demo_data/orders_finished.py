"""Orders whose story is over: closed, followed up, delivered or cancelled."""

from orders.models import Communication, Order, OrderException

from .specs import DECLINED_CARD, Contact, DemoOrder, FollowUp

S = Order.Status
X = OrderException.Kind
CH = Communication.Channel
OUT = Communication.Outcome

FINISHED = (
    DemoOrder(
        "hartley",
        (("PAP-0001", 25), ("PEN-0102", 2), ("DSK-0302", 5)),
        S.CLOSED,
        received=(21, "09:20"),
        po="HW-4471",
        proof="Signed for by P. Hartley",
        follow_ups=(
            FollowUp(
                CH.EMAIL,
                OUT.RECEIVED,
                "Replied to our courtesy e-mail: everything arrived on time and in "
                "good order.",
                5,
            ),
        ),
    ),
    DemoOrder(
        "oakfield",
        (("PAP-0005", 50), ("FIL-0202", 30), ("PEN-0106", 10)),
        S.CLOSED,
        received=(20, "14:05"),
        channel=Order.Channel.WEB,
        po="OPS-0921",
        proof="Signed for by R. Singh, site manager",
        follow_ups=(
            FollowUp(
                CH.EMAIL,
                OUT.RECEIVED,
                "School office replied: the driver was helpful; one box of binders "
                "was dented but the binders are usable. No further action wanted.",
                4,
            ),
        ),
    ),
    DemoOrder(
        "kowalska",
        (("CAT-0602", 6), ("CAT-0603", 2), ("CAT-0604", 4)),
        S.CLOSED,
        received=(19, "10:40"),
        channel=Order.Channel.PHONE,
        card="5555 5555 5555 4444",
        proof="Signed for by A. Kowalska",
        follow_ups=(
            FollowUp(
                CH.PHONE,
                OUT.REACHED,
                "Rang Anna: all arrived and she is happy. Asked us to ring when the "
                "next coffee delivery comes in.",
                5,
            ),
        ),
    ),
    DemoOrder(
        "adeyemi",
        (("CLN-0701", 10), ("CLN-0703", 6), ("WEL-0901", 2)),
        S.CLOSED,
        received=(17, "11:15"),
        po="RMC-22817",
        proof="Left with reception, signed K. Ahmed",
        follow_ups=(
            FollowUp(
                CH.EMAIL,
                OUT.RECEIVED,
                "Practice manager replied: all correct. Asked for a copy invoice, "
                "which accounts have sent.",
                4,
            ),
        ),
    ),
    DemoOrder(  # the same order again, by post: a duplicate, cancelled
        "adeyemi",
        (("CLN-0701", 10), ("CLN-0703", 6), ("WEL-0901", 2)),
        S.CANCELLED,
        received=(16, "09:05"),
        channel=Order.Channel.POST,
        po="RMC-22817",
        problems=(X.DUPLICATE,),
        steps=(
            "Compared with the order received by e-mail yesterday: same PO "
            "reference (RMC-22817) and the same three lines.",
        ),
        contacts=(
            Contact(
                CH.PHONE,
                "Rang the practice manager: the order was e-mailed and then a paper "
                "copy was posted. Only one delivery is wanted, so we will cancel "
                "{reference}.",
            ),
        ),
        cancel_at=S.ON_HOLD,
        cancel_reason=(
            "Duplicate: the same order (PO RMC-22817) arrived by e-mail and again "
            "by post. The customer confirmed only one is wanted."
        ),
    ),
    DemoOrder(
        "campbell",
        (("ENV-0401", 2), ("ENV-0403", 1), ("PAP-0001", 10)),
        S.CLOSED,
        received=(15, "15:30"),
        proof="Signed for by F. Campbell",
        follow_ups=(
            FollowUp(
                CH.EMAIL,
                OUT.SENT,
                "Sent our courtesy e-mail asking whether everything arrived and "
                "inviting any comments.",
            ),
        ),
    ),
    DemoOrder(  # declined card; the customer asks by text to cancel
        "price",
        (("PAP-0001", 5), ("PEN-0104", 2)),
        S.CANCELLED,
        received=(6, "09:15"),
        channel=Order.Channel.WEB,
        card=DECLINED_CARD,
        problems=(X.PAYMENT_DECLINED,),
        steps=(
            "Card declined at authorisation. The customer is a BSL user, so we "
            "contacted her by text rather than by phone.",
        ),
        contacts=(
            Contact(
                CH.SMS,
                "Hello Rhiannon, the card payment for order {reference} was declined "
                "by your bank. Please reply with another way to pay, or ask us to "
                "cancel the order.",
                OUT.SENT,
            ),
            Contact(
                CH.SMS,
                "Reply: please cancel; I will order again when my new card arrives.",
                OUT.RECEIVED,
                Communication.Direction.INBOUND,
            ),
        ),
        cancel_at=S.ON_HOLD,
        cancel_reason=(
            "The card was declined and the customer asked us by text to cancel; "
            "she will order again with her new card."
        ),
    ),
    DemoOrder(
        "khan",
        (("CAT-0602", 6), ("CAT-0607", 10), ("CAT-0609", 4)),
        S.CLOSED,
        received=(12, "12:10"),
        channel=Order.Channel.WALK_IN,
        card="5555 5555 5555 4444",
        carrier="Our own van",
        proof="Handed to I. Khan at the restaurant",
        follow_ups=(
            FollowUp(
                CH.PHONE,
                OUT.REACHED,
                "Rang Imran: pleased with the order. He asked about a trade price for "
                "tea bags in bulk; passed to the supervisor.",
                5,
            ),
        ),
    ),
    DemoOrder(
        "patel",
        (("WEL-0901", 1), ("CLN-0702", 2), ("DSK-0309", 1)),
        S.FOLLOWED_UP,
        received=(9, "09:50"),
        proof="Signed for by N. Patel",
        follow_ups=(
            FollowUp(
                CH.EMAIL,
                OUT.RECEIVED,
                "Replied: all arrived. The hand soap box was crushed in transit but "
                "the bottles were undamaged.",
                4,
            ),
        ),
    ),
    DemoOrder(
        "bramley",
        (("PAP-0006", 24), ("ENV-0403", 1), ("DSK-0301", 2)),
        S.FOLLOWED_UP,
        received=(8, "13:20"),
        channel=Order.Channel.PHONE,
        card="4000 0566 5566 5556",
        proof="Signed for by S. Morgan",
        follow_ups=(
            FollowUp(
                CH.PHONE,
                OUT.REACHED,
                "Rang Siân: delivery was on time and complete; very happy.",
                5,
            ),
        ),
    ),
    DemoOrder(
        "marsh",
        (("CAT-0601", 4), ("CAT-0605", 10), ("CAT-0608", 40), ("CAT-0607", 20)),
        S.FOLLOWED_UP,
        received=(7, "10:05"),
        po="MHCC-1187",
        proof="Signed for by goods-in (T. Evans)",
        follow_ups=(
            FollowUp(
                CH.PHONE,
                OUT.VOICEMAIL,
                "Left a voicemail asking Oliver to ring back if anything was wrong "
                "with the delivery.",
            ),
        ),
    ),
    DemoOrder(
        "ogrady",
        (("FIL-0201", 20), ("FIL-0204", 5), ("PAP-0001", 15)),
        S.DELIVERED,
        received=(5, "11:30"),
        po="OGA-7765",
        proof="Signed for by S. O'Grady",
    ),
    DemoOrder(  # the customer cancels after confirmation: stock goes back
        "thornton",
        (("CLN-0703", 2), ("WEL-0901", 1), ("ENV-0405", 2)),
        S.CANCELLED,
        received=(5, "14:00"),
        channel=Order.Channel.PHONE,
        contacts=(
            Contact(
                CH.PHONE,
                "Bill rang: he has bought the items locally and no longer needs the "
                "order. Asked us to cancel it.",
                OUT.RECEIVED,
                Communication.Direction.INBOUND,
                Communication.Purpose.QUERY,
            ),
        ),
        cancel_at=S.CONFIRMED,
        cancel_reason="Customer rang to cancel: he bought the items locally.",
    ),
    DemoOrder(
        "morris",
        (("ENV-0402", 2), ("DSK-0305", 4), ("ENV-0405", 3)),
        S.DELIVERED,
        received=(4, "14:45"),
        channel=Order.Channel.PHONE,
        proof="Signed for by K. Morris",
        follow_ups=(
            FollowUp(
                CH.PHONE,
                OUT.NO_ANSWER,
                "Rang twice, no answer and no voicemail. Will try again tomorrow.",
            ),
        ),
    ),
    DemoOrder(
        "ellison",
        (("ENV-0401", 1), ("PEN-0101", 1), ("BKS-0802", 1)),
        S.DELIVERED,
        received=(4, "10:00"),
        channel=Order.Channel.POST,
        carrier="Royal Mail Tracked 48",
        proof="Signed for by M. Ellison",
    ),
)
