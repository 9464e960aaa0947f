"""The catalogue: an office supplies, stationery and catering wholesaler.

Stock is booked into the live warehouse at the start: most lines plentiful, a few
scarce, some out with a restock date, one out with none, two no longer sold.
"""

from .specs import DemoProduct

ZERO, REDUCED = "0.000", "0.050"

PRODUCTS = (
    # Paper and pads
    DemoProduct("PAP-0001", "Copier paper A4 80gsm, ream of 500", "4.99", 600, pack=5),
    DemoProduct("PAP-0002", "Copier paper A3 80gsm, ream of 500", "9.49", 120),
    DemoProduct(
        "PAP-0003",
        "Premium laser paper A4 100gsm, ream of 500",
        "8.25",
        0,
        restock_in_days=12,
    ),
    DemoProduct("PAP-0004", "Coloured card A4 160gsm, assorted, 250", "11.60", 60),
    DemoProduct(
        "PAP-0005", "Recycled copier paper A4 80gsm, ream of 500", "5.20", 300, pack=5
    ),
    DemoProduct(
        "PAP-0006", "Sticky notes 76 × 76 mm, yellow, pad of 100", "0.65", 1440, pack=12
    ),
    # Writing
    DemoProduct("PEN-0101", "Ballpoint pens, black, box of 50", "7.50", 150),
    DemoProduct("PEN-0102", "Ballpoint pens, blue, box of 50", "7.50", 150),
    DemoProduct("PEN-0103", "Gel rollerball pen, black", "1.20", 600, pack=12),
    DemoProduct("PEN-0104", "Highlighters, assorted, wallet of 4", "2.40", 300),
    DemoProduct("PEN-0105", "Whiteboard markers, assorted, wallet of 4", "3.10", 200),
    DemoProduct("PEN-0106", "HB pencils with eraser tip, box of 12", "2.15", 250),
    # Filing
    DemoProduct("FIL-0201", "Lever arch file A4, 70 mm, blue", "1.85", 500, pack=10),
    DemoProduct(
        "FIL-0202", "Ring binder A4, 2-ring 25 mm, black", "1.10", 400, pack=10
    ),
    DemoProduct(
        "FIL-0203",
        "Suspension files, foolscap, box of 50",
        "14.95",
        0,
        restock_in_days=20,
    ),
    DemoProduct("FIL-0204", "Punched pockets A4, pack of 100", "3.60", 200),
    DemoProduct("FIL-0205", "Box file, foolscap, marbled", "2.30", 150, pack=5),
    DemoProduct("FIL-0207", "Subject dividers A4, 10-part", "0.89", 0, active=False),
    # Desk
    DemoProduct("DSK-0301", "Stapler, full strip, 20-sheet", "6.50", 80),
    DemoProduct("DSK-0302", "Staples 26/6, box of 5,000", "1.25", 300),
    DemoProduct("DSK-0303", "Two-hole punch, 30-sheet", "7.95", 60),
    DemoProduct("DSK-0305", "Clear sticky tape 24 mm × 66 m, pack of 6", "4.20", 120),
    DemoProduct("DSK-0306", "Paper clips 33 mm, box of 100", "0.55", 500, pack=10),
    DemoProduct("DSK-0308", "Desk calculator, 12-digit, solar", "12.50", 4),
    DemoProduct("DSK-0309", "Laminating pouches A4 150 micron, 100", "13.40", 50),
    DemoProduct("DSK-0310", "Rubber bands, assorted, 100 g", "1.05", 0, active=False),
    # Envelopes and post room
    DemoProduct("ENV-0401", "DL envelopes, white, self-seal, box of 500", "14.80", 80),
    DemoProduct("ENV-0402", "C4 board-backed envelopes, box of 125", "24.99", 40),
    DemoProduct("ENV-0403", "C5 window envelopes, box of 500", "21.50", 60),
    # Out of stock, and the supplier cannot say when more will come.
    DemoProduct("ENV-0404", "Padded envelopes, size D, box of 100", "19.75", 0),
    DemoProduct("ENV-0405", "Parcel tape, brown, 48 mm × 66 m, pack of 6", "6.90", 100),
    # Ink and toner
    DemoProduct("INK-0501", "Mono laser toner, black, high yield (26)", "89.00", 25),
    DemoProduct(
        "INK-0502", "Colour laser toner set, CMY (410)", "214.00", 3, restock_in_days=4
    ),
    DemoProduct("INK-0503", "Inkjet cartridge, black (302)", "17.49", 60),
    DemoProduct("INK-0504", "Laser drum unit (12)", "64.00", 0, restock_in_days=6),
    # Catering: most food is zero-rated; chocolate biscuits and water are not.
    DemoProduct("CAT-0601", "Tea bags, one-cup, pack of 1,100", "24.50", 60, ZERO),
    DemoProduct(
        "CAT-0602",
        "Instant coffee granules, 750 g tin",
        "19.95",
        12,
        ZERO,
        restock_in_days=3,
    ),
    DemoProduct("CAT-0603", "Sugar sticks, white, box of 1,000", "11.25", 40, ZERO),
    DemoProduct(
        "CAT-0604", "UHT semi-skimmed milk portions, box of 120", "7.80", 50, ZERO
    ),
    DemoProduct(
        "CAT-0605", "Digestive biscuits, twin packs, box of 48", "6.40", 80, ZERO
    ),
    DemoProduct("CAT-0606", "Chocolate biscuits, twin packs, box of 48", "8.95", 60),
    DemoProduct("CAT-0607", "Still water 500 ml, case of 24", "5.99", 150),
    DemoProduct("CAT-0608", "Paper cups 7 oz, sleeve of 50", "2.10", 400, pack=10),
    DemoProduct("CAT-0609", "Paper napkins, white, 2-ply, pack of 500", "5.60", 80),
    # Cleaning and washroom
    DemoProduct("CLN-0701", "Centrefeed roll, blue, 2-ply, pack of 6", "17.50", 60),
    DemoProduct("CLN-0702", "Antibacterial hand soap, 5 litres", "9.80", 45),
    DemoProduct("CLN-0703", "Toilet rolls, 2-ply, case of 36", "15.99", 70),
    # Books are zero-rated; a diary is not a book for VAT.
    DemoProduct("BKS-0801", "Concise English dictionary, hardback", "14.99", 20, ZERO),
    DemoProduct(
        "BKS-0802", "Plain English for business writing, paperback", "12.99", 25, ZERO
    ),
    DemoProduct("BKS-0803", "Desk diary A4, week to view", "8.50", 30),
    DemoProduct(
        "BKS-0804", "Road atlas of Great Britain, spiral bound", "9.99", 4, ZERO
    ),
    # Workplace health
    DemoProduct("WEL-0901", "First aid kit, workplace, 1 to 10 people", "18.95", 40),
    DemoProduct(
        "WEL-0902", "Nicotine replacement patches, 7-day pack", "11.49", 5, REDUCED
    ),
)
