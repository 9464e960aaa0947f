"""Customers: invented names, example.com e-mail, Ofcom's 07700 900xxx numbers.

Preferred channels, accessibility needs, consent and terms vary; some details are
missing on purpose (no e-mail, no phone; one who prefers texts gave no mobile).
"""

from customers.models import ContactChannel, Customer

from .specs import DemoCustomer

TERMS = Customer.Terms
PHONE, LETTER, SMS = ContactChannel.PHONE, ContactChannel.LETTER, ContactChannel.SMS
A30, A60 = TERMS.ACCOUNT_30, TERMS.ACCOUNT_60

CUSTOMERS = (
    DemoCustomer(
        "hartley", "Priya Hartley", "Hartley & Webb Solicitors",
        "priya.hartley@example.com", "07700 900101",
        "14 Park Square East", "Leeds", "LS1 2NE",
        terms=A30, credit_limit="5000.00",
    ),
    DemoCustomer(
        "oakfield", "Graham Doyle", "Oakfield Primary School",
        "graham.doyle@example.com", "07700 900102",
        "Oakfield Road", "Sheffield", "S10 1SG", line2="Crookes",
        terms=A60, credit_limit="8000.00",
    ),
    DemoCustomer(
        "bramley", "Siân Morgan", "Bramley Dental Practice",
        "sian.morgan@example.com", "07700 900103",
        "22 Cathedral Road", "Cardiff", "CF11 9LJ", channel=PHONE,
    ),
    DemoCustomer(
        "northgate", "Tom Fairbairn", "Northgate Lettings",
        "tom.fairbairn@example.com", "07700 900104",
        "3 Grey Street", "Newcastle upon Tyne", "NE1 6EE",
        terms=A30, credit_limit="2500.00",
    ),
    DemoCustomer(  # no e-mail address: writes and phones
        "ellison", "Margaret Ellison", "Ashby Road Allotment Society",
        "", "07700 900105",
        "41 Ashby Road", "Loughborough", "LE11 3AA", channel=LETTER,
        needs="Large print (16 point or larger) for all letters.",
    ),
    DemoCustomer(
        "kowalska", "Anna Kowalska", "Kowalska Café & Deli",
        "anna.kowalska@example.com", "07700 900106",
        "9 Bridge Street", "Chester", "CH1 1NQ", channel=PHONE,
        needs="Visually impaired: phone only, please do not send letters or e-mail.",
    ),
    DemoCustomer(
        "okafor", "Daniel Okafor", "Okafor Architects",
        "daniel.okafor@example.com", "07700 900107",
        "5 Queen Square", "Bristol", "BS1 4JQ",
        needs=(
            "Hearing impaired: prefers e-mail, please do not phone. Use Relay UK "
            "(18001) if a call cannot be avoided."
        ),
        terms=A30, credit_limit="3000.00",
    ),
    DemoCustomer(
        "price", "Rhiannon Price", "Penlan Community Centre",
        "rhiannon.price@example.com", "07700 900108",
        "Penlan Road", "Swansea", "SA5 7EA", channel=SMS,
        needs="BSL user: contact by text or e-mail, not by phone.",
    ),
    DemoCustomer(  # no e-mail address, and no courtesy calls
        "thornton", "Bill Thornton", "Thornton's Garage",
        "", "07700 900109",
        "Unit 2, Mill Lane Industrial Estate", "Kendal", "LA9 6NZ", channel=PHONE,
        consent=False,
    ),
    DemoCustomer(  # no phone number
        "baxter", "Chloe Baxter", "Baxter Design Studio",
        "chloe.baxter@example.com", "",
        "18 Jersey Street", "Manchester", "M4 6JG",
    ),
    DemoCustomer(  # prefers texts but gave no mobile number: orders are held
        "reid", "Jordan Reid", "Reid Events",
        "jordan.reid@example.com", "",
        "27 Candleriggs", "Glasgow", "G1 1LD", channel=SMS,
    ),
    DemoCustomer(  # account stopped: two invoices over 60 days
        "castle", "Derek Lyle", "Castle Print & Copy",
        "derek.lyle@example.com", "07700 900112",
        "61 Castle Street", "Edinburgh", "EH2 3AH",
        terms=A30, credit_limit="4000.00", on_hold=True,
    ),
    DemoCustomer(
        "fenwick", "Ruth Fenwick", "Fenwick Community Café",
        "ruth.fenwick@example.com", "07700 900113",
        "2 Market Place", "Hexham", "NE46 1XQ", channel=PHONE,
        terms=A30, credit_limit="250.00",
    ),
    DemoCustomer(
        "patel", "Nikhil Patel", "Patel Pharmacy",
        "nikhil.patel@example.com", "07700 900114",
        "112 Belgrave Road", "Leicester", "LE4 5AT",
        terms=A30, credit_limit="3500.00",
    ),
    DemoCustomer(
        "ogrady", "Siobhán O'Grady", "O'Grady Accountancy",
        "siobhan.ogrady@example.com", "07700 900115",
        "8 Donegall Square South", "Belfast", "BT1 5JE",
        needs="Dyslexia: short, plain e-mails, please; no attachments if possible.",
        terms=A60, credit_limit="6000.00",
    ),
    DemoCustomer(
        "hughes", "Gareth Hughes", "",
        "gareth.hughes@example.com", "07700 900116",
        "7 Glanrafon", "Bangor", "LL57 1LH", channel=PHONE, consent=False,
    ),
    DemoCustomer(
        "campbell", "Fiona Campbell", "Campbell & Ross Veterinary Surgery",
        "fiona.campbell@example.com", "07700 900117",
        "40 Union Street", "Aberdeen", "AB11 6BA",
        terms=A30, credit_limit="4500.00",
    ),
    DemoCustomer(
        "adeyemi", "Tunde Adeyemi", "Riverside Medical Centre",
        "tunde.adeyemi@example.com", "07700 900118",
        "Riverside Way", "Nottingham", "NG2 1DP",
        terms=A60, credit_limit="10000.00",
    ),
    DemoCustomer(
        "walsh", "Eileen Walsh", "St Brendan's Parish Office",
        "eileen.walsh@example.com", "07700 900119",
        "Church Lane", "Liverpool", "L17 8UT", channel=LETTER,
        needs="Large print, please: reads letters with a magnifier.",
    ),
    DemoCustomer(
        "nguyen", "Linh Nguyen", "Lotus Nail & Beauty",
        "linh.nguyen@example.com", "07700 900120",
        "51 Bold Street", "Liverpool", "L1 4EU", channel=SMS,
    ),
    DemoCustomer(
        "fraser", "Callum Fraser", "Glenmore Outdoor Centre",
        "callum.fraser@example.com", "07700 900121",
        "Glenmore", "Aviemore", "PH22 1QU",
        terms=A30, credit_limit="3000.00",
    ),
    DemoCustomer(
        "shah", "Aisha Shah", "Brightside Tutors",
        "aisha.shah@example.com", "07700 900122",
        "16 Ecclesall Road", "Sheffield", "S11 8HW",
        needs="Screen reader user: plain-text e-mail, please.",
    ),
    DemoCustomer(
        "morris", "Kevin Morris", "Morris & Daughters Removals",
        "kevin.morris@example.com", "07700 900123",
        "Unit 7, Harbour Trading Estate", "Plymouth", "PL4 0SL", channel=PHONE,
        terms=A30, credit_limit="2000.00",
    ),
    DemoCustomer(
        "davies", "Helen Davies", "Cwm Valley Holiday Cottages",
        "helen.davies@example.com", "07700 900124",
        "Ty Mawr Farm", "Llandrindod Wells", "LD1 5AB", consent=False,
    ),
    DemoCustomer(
        "brennan", "Patrick Brennan", "Brennan Joinery",
        "patrick.brennan@example.com", "07700 900125",
        "4 Tanners Yard", "Norwich", "NR3 1AU", channel=PHONE,
        needs="Hard of hearing: speak clearly and confirm anything important by text.",
        terms=A30, credit_limit="1500.00",
    ),
    DemoCustomer(
        "wood", "Sarah Wood", "Wood Lane Nursery",
        "sarah.wood@example.com", "07700 900126",
        "88 Wood Lane", "York", "YO26 5AA",
        terms=A30, credit_limit="2000.00",
    ),
    DemoCustomer(
        "khan", "Imran Khan", "Spice Route Restaurant",
        "imran.khan@example.com", "07700 900127",
        "212 Wilmslow Road", "Manchester", "M14 5LH", line2="Rusholme",
        channel=PHONE,
    ),
    DemoCustomer(
        "lloyd", "Beverley Lloyd", "Lloyd Estate Agents",
        "beverley.lloyd@example.com", "07700 900128",
        "19 High Street", "Exeter", "EX4 3LF",
        terms=A30, credit_limit="3000.00",
    ),
    DemoCustomer(
        "marsh", "Oliver Marsh", "Marsh Hall Conference Centre",
        "oliver.marsh@example.com", "07700 900129",
        "Marsh Hall", "Guildford", "GU1 4HW", line2="Stoke Road",
        terms=A60, credit_limit="12000.00",
    ),
    DemoCustomer(
        "cole", "Jasmine Cole", "Cole Bookkeeping",
        "jasmine.cole@example.com", "07700 900130",
        "Flat 3, 27 Albert Road", "Brighton", "BN1 3RL",
    ),
)  # fmt: skip
